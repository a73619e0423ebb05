/**
 * The things being compared, behind one interface: a direct async call, a raw
 * Web Worker, Comlink, sandplug's tiers, and a raw `deno run` stdio child.
 * Each answers the same operations as `plugins/echo`: `add(a, b)`, `echo(x)`,
 * and, where the subject can move memory, an echo that moves the buffer both
 * ways.
 *
 * @module
 */
import * as Comlink from "comlink";
import {
  createHost,
  defineContract,
  fn,
  type Host,
  type HostOptions,
  transfer,
} from "@sandplug/host";
import { z } from "zod";
// Internal, for one diagnostic subject: a process tier that does not watch for the host's death.
import { PluginHost } from "../src/host/host.ts";
import { createProcessTier } from "../src/isolation/process/tier.ts";
import type { EchoApi } from "./fixtures/comlink_worker.ts";
import { encodeFrame, FrameReader } from "./fixtures/_frames.ts";

/** One started subject, ready to be called. */
export interface EchoClient {
  /** The small call. */
  add(a: number, b: number): Promise<number>;
  /** A round trip of a value, copied. */
  echo(buffer: ArrayBuffer): Promise<ArrayBuffer>;
  /** A round trip of a buffer, transferred both ways; absent where the subject cannot transfer. */
  echoTransfer?: (buffer: ArrayBuffer) => Promise<ArrayBuffer>;
  /** Ends the subject and waits until it has released what it held. */
  close(): Promise<void>;
}

/** A kind of thing to benchmark: each `open()` starts a fresh one. */
export interface Subject {
  /** Starts one instance. It is ready to call; the first call may wait for it to finish starting. */
  open(): Promise<EchoClient>;
  /** Releases what the subject shares between instances (a host). */
  dispose?(): Promise<void>;
}

/** The benchmark plugin's folder. */
export const ECHO_PLUGIN = new URL("./plugins/echo/", import.meta.url);
const RAW_WORKER = new URL("./fixtures/raw_worker.ts", import.meta.url);
const COMLINK_WORKER = new URL("./fixtures/comlink_worker.ts", import.meta.url);
const STDIO_CHILD = new URL("./fixtures/stdio_child.ts", import.meta.url);

/** Large enough for a 64 MiB payload plus its envelope (the default is exactly 64 MiB). */
export const BENCH_MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

async function directAdd(a: number, b: number): Promise<number> {
  return await a + b;
}

/** An in-process async function call: the floor. */
export const direct: Subject = {
  open: () =>
    Promise.resolve({
      add: directAdd,
      echo: (buffer) => Promise.resolve(buffer),
      close: () => Promise.resolve(),
    }),
};

interface Reply {
  id: number;
  value: unknown;
}

/** Matches replies to requests by id, as every RPC layer must. */
class Calls {
  readonly #waiting = new Map<number, (value: unknown) => void>();
  #next = 1;

  start(send: (id: number) => void): Promise<unknown> {
    const id = this.#next++;
    const { promise, resolve } = Promise.withResolvers<unknown>();
    this.#waiting.set(id, resolve);
    send(id);
    return promise;
  }

  settle(reply: Reply): void {
    const resolve = this.#waiting.get(reply.id);
    this.#waiting.delete(reply.id);
    resolve?.(reply.value);
  }
}

/** Options of {@linkcode rawWorker}. */
export interface RawWorkerOptions {
  /**
   * Send the calls made in one tick as one message, and get their replies as
   * one message: what a batching RPC layer can reach at best.
   *
   * @default {false}
   */
  batch?: boolean;
}

/** A Web Worker answering with `postMessage`, and a Map of pending ids on the host side. */
export function rawWorker(options: RawWorkerOptions = {}): Subject {
  return {
    open() {
      const worker = new Worker(RAW_WORKER, { type: "module" });
      const calls = new Calls();
      worker.onmessage = (event: MessageEvent<Reply | { batch: Reply[] }>) => {
        const data = event.data;
        if ("batch" in data) { for (const reply of data.batch) calls.settle(reply); }
        else calls.settle(data);
      };
      let queued: { id: number; op: string; args: unknown[] }[] = [];
      const flush = () => {
        const batch = queued;
        queued = [];
        worker.postMessage(batch.length === 1 ? batch[0] : { batch });
      };
      const call = (op: string, args: unknown[], transfer: Transferable[] = []) =>
        calls.start((id) => {
          if (!options.batch || transfer.length > 0) {
            worker.postMessage({ id, op, args }, transfer);
            return;
          }
          if (queued.length === 0) queueMicrotask(flush);
          queued.push({ id, op, args });
        });
      return Promise.resolve({
        add: (a, b) => call("add", [a, b]) as Promise<number>,
        echo: (buffer) => call("echo", [buffer]) as Promise<ArrayBuffer>,
        echoTransfer: (buffer) => call("echo-transfer", [buffer], [buffer]) as Promise<ArrayBuffer>,
        close: () => Promise.resolve(worker.terminate()),
      });
    },
  };
}

/** Comlink over a Web Worker. */
export const comlink: Subject = {
  open() {
    const worker = new Worker(COMLINK_WORKER, { type: "module" });
    const api = Comlink.wrap<EchoApi>(worker);
    return Promise.resolve({
      add: (a, b) => api.add(a, b),
      echo: (buffer) => api.echo(buffer),
      echoTransfer: (buffer) => api.echoTransfer(Comlink.transfer(buffer, [buffer])),
      close() {
        api[Comlink.releaseProxy]();
        worker.terminate();
        return Promise.resolve();
      },
    });
  },
};

const echoContract = defineContract({
  name: "bench-echo",
  version: "1.0.0",
  symbols: {
    add: fn({ args: [z.number(), z.number()], returns: z.number() }),
    echo: fn({ args: [z.instanceof(ArrayBuffer)], returns: z.instanceof(ArrayBuffer) }),
  },
});

/** Options of {@linkcode sandplug}. */
export interface SandplugSubjectOptions {
  /** Load with the contract, so that every call is validated by zod. */
  contract?: boolean;
  /** Load with `lowLatency: true` (the worker tier's shared-memory channel). */
  lowLatency?: boolean;
}

/** The tiers a sandplug subject can ask for; `"inline"` may not exist yet, and then fails to open. */
export type TierName = "worker" | "process" | "inline";

/**
 * `plugins/echo` loaded by a sandplug host in the given tier, with
 * validation off unless a contract is asked for.
 */
export function sandplug(isolation: TierName, options: SandplugSubjectOptions = {}): Subject {
  let host: Host | undefined;
  return {
    async open() {
      host ??= createHost({
        isolation: isolation as HostOptions["isolation"],
        maxMessageBytes: BENCH_MAX_MESSAGE_BYTES,
        validate: options.contract === true,
      });
      const lowLatency = options.lowLatency === true;
      const plugin = options.contract
        ? await host.load(ECHO_PLUGIN, { contract: echoContract, lowLatency })
        : await host.load(ECHO_PLUGIN, { lowLatency });
      const add = plugin.lookup<(a: number, b: number) => number>("add");
      const echo = plugin.lookup<(x: ArrayBuffer) => ArrayBuffer>("echo");
      const echoMoved = plugin.lookup<(x: ArrayBuffer) => ArrayBuffer>("echoMoved");
      return {
        add,
        echo,
        // Only the worker tier can move memory: a process copies, inline passes a reference.
        echoTransfer: isolation === "worker"
          ? (buffer) => echoMoved(transfer(buffer, [buffer]))
          : undefined,
        close: () => plugin.close(),
      };
    },
    async dispose() {
      await host?.close();
      host = undefined;
    },
  };
}

/**
 * Diagnostic: the process tier with `watchParent: false` (no reaper process,
 * no watchdog thread), so that the cost of watching for the host's death
 * shows apart from the rest.
 */
export function sandplugWithoutWatchdog(): Subject {
  let host: PluginHost | undefined;
  return {
    async open() {
      host ??= new PluginHost(
        { isolation: "process", maxMessageBytes: BENCH_MAX_MESSAGE_BYTES, validate: false },
        { process: createProcessTier({ watchParent: false }) },
      );
      const plugin = await host.load(ECHO_PLUGIN);
      const add = plugin.lookup<(a: number, b: number) => number>("add");
      const echo = plugin.lookup<(x: ArrayBuffer) => ArrayBuffer>("echo");
      return { add, echo, close: () => plugin.close() };
    },
    async dispose() {
      await host?.close();
      host = undefined;
    },
  };
}

/** Options of {@linkcode rawChild}. */
export interface RawChildOptions {
  /**
   * Send the requests made in one tick as one frame holding them all, and
   * have the child answer all it read at once in one frame: what a batching
   * protocol over a pipe can reach at best. Off, every message is its own
   * frame and its own write, both ways.
   *
   * @default {true}
   */
  batch?: boolean;
  /**
   * Start the child with a fresh, empty DENO_DIR and `--no-code-cache` (how
   * sandplug's process tier started every plugin before its children shared
   * one DENO_DIR per host), instead of the warm shared cache.
   */
  freshDenoDir?: boolean;
}

/** A `deno run` child answering length-prefixed `node:v8` frames on stdio. */
export function rawChild(options: RawChildOptions = {}): Subject {
  const batch = options.batch ?? true;
  return {
    async open() {
      const env: Record<string, string> = { NO_COLOR: "1" };
      const args = ["run", "--no-config", "--no-lock", "--no-prompt"];
      let denoDir: string | undefined;
      if (options.freshDenoDir) {
        denoDir = await Deno.makeTempDir({ prefix: "sandplug-bench-deno-dir-" });
        env.DENO_DIR = denoDir;
        args.push("--no-code-cache");
      }
      const child = new Deno.Command(Deno.execPath(), {
        args: [...args, STDIO_CHILD.href, ...(batch ? [] : ["--one-frame-per-reply"])],
        env,
        stdin: "piped",
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const writer = child.stdin.getWriter();
      const calls = new Calls();
      const reader = new FrameReader((message) => {
        const data = message as Reply | { batch: Reply[] };
        if ("batch" in data) { for (const reply of data.batch) calls.settle(reply); }
        else calls.settle(data);
      });
      const pump = (async () => {
        for await (const chunk of child.stdout) reader.push(chunk);
      })();
      let queued: { id: number; op: string; args: unknown[] }[] = [];
      const flush = () => {
        const requests = queued;
        queued = [];
        const message = requests.length === 1 ? requests[0] : { batch: requests };
        writer.write(encodeFrame(message)).catch(() => {});
      };
      const call = (op: string, args: unknown[]) =>
        calls.start((id) => {
          if (!batch) {
            writer.write(encodeFrame({ id, op, args })).catch(() => {});
            return;
          }
          if (queued.length === 0) queueMicrotask(flush);
          queued.push({ id, op, args });
        });
      return {
        add: (a, b) => call("add", [a, b]) as Promise<number>,
        echo: (buffer) => call("echo", [buffer]) as Promise<ArrayBuffer>,
        async close() {
          await writer.close().catch(() => {});
          await child.status;
          await pump.catch(() => {});
          if (denoDir !== undefined) await Deno.remove(denoDir, { recursive: true });
        },
      };
    },
  };
}
