/**
 * The process tier: each plugin runs in its own `deno run` child process whose
 * flags are compiled from its effective grant and nothing more. Host-level
 * effects (`Deno.kill`, `Deno.exit`, heap exhaustion, busy loops) stay inside
 * the child, SIGKILL always ends it, and the plugin's whole module graph is
 * checked against its flags. Messages cross stdin/stdout as frames (see
 * `_framing.ts`); the child's stderr and any stray stdout are forwarded as
 * log lines.
 *
 * @module
 */
import { PluginLoadError } from "../errors.ts";
import type { HostMessage, PluginMessage } from "../protocol.ts";
import { decodeMessage, encodeMessage, FrameDecoder, FramingError } from "./_framing.ts";
import {
  checkHostPermissions,
  granted,
  PROCESS_MAIN,
  processArgs,
  processEnv,
  tempDir,
} from "./_process_args.ts";
import { describeExit, LineBuffer, type ProcessLogLine, writeLogLine } from "./_process_output.ts";
import type { Isolate, IsolateEvents, IsolateSpec, IsolationTier } from "./types.ts";

const RSS_POLL_MS = 200;
const STDIO_DRAIN_MS = 500;
const TAIL_LINES = 100;
const MIB = 1024 * 1024;

/** Options of {@linkcode createProcessTier}. */
export interface ProcessTierOptions {
  /**
   * Receives every line the child writes outside the protocol.
   *
   * @default {the host's log sink (see createHost's `log` option)}
   */
  log?: (line: ProcessLogLine) => void;
  /**
   * How long `terminate()` waits after closing stdin before it sends SIGKILL.
   *
   * @default {200}
   */
  killAfterMs?: number;
  /**
   * The largest message accepted from a plugin, in bytes; a plugin announcing
   * a longer one is killed before the host buffers it. Given, it applies to
   * every child; left out, each child's cap is twice its host's
   * `maxMessageBytes` (a serialised payload can exceed the host's approximate
   * size measure), and at least 1 MiB.
   *
   * @default {2 × the host's maxMessageBytes, at least 1048576 (1 MiB)}
   */
  maxMessageBytes?: number;
  /**
   * Whether each child runs a watchdog thread that kills it as soon as the
   * host process is gone. Without it a child notices only when stdin ends,
   * which plugin code stuck in a busy loop never does, so it would outlive a
   * host that crashed or was SIGKILLed. Costs each child about 7 MiB of
   * private memory and a thread.
   *
   * @default {true}
   */
  watchParent?: boolean;
}

/** A plugin's child process, as the process tier hands it to the host. */
export interface ProcessIsolate extends Isolate {
  /** The child's process id. */
  readonly pid: number;
  /**
   * Closes the child's stdin, then sends SIGKILL if it has not exited within
   * `killAfterMs`. Safe to call more than once.
   *
   * @returns A promise that settles once the child has been reaped and its DENO_DIR removed.
   */
  terminate(): Promise<void>;
}

/** The tier's options with defaults filled in; the frame cap is settled per child. */
type TierOptions = Omit<Required<ProcessTierOptions>, "maxMessageBytes" | "log"> & {
  maxMessageBytes: number | undefined;
  log: ProcessTierOptions["log"];
};

/** The options one child runs with: the frame cap resolved, the log sink optional. */
type ChildOptions = Omit<Required<ProcessTierOptions>, "log"> & { log: ProcessTierOptions["log"] };

// Children still running, and DENO_DIRs not yet removed. If the host ends
// (Deno.exit(), or its event loop ran out) before they are cleaned up, the
// unload handler kills the children (stdin EOF would not reach a busy one) and
// removes the folders.
const live = new Set<Deno.ChildProcess>();
const leftovers = new Set<string>();
let unloadHooked = false;

function hookUnload(): void {
  if (unloadHooked) return;
  unloadHooked = true;
  globalThis.addEventListener("unload", () => {
    for (const child of live) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
    for (const dir of leftovers) {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // best effort: the process is ending
      }
    }
  });
}

function readRssMiB(path: string): number | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
  // Private memory: the deno binary's file-backed pages (~25 MiB, shared) do not count.
  const match = /^RssAnon:\s+(\d+) kB/m.exec(text) ?? /^VmRSS:\s+(\d+) kB/m.exec(text);
  return match === null ? undefined : Number(match[1]) / 1024;
}

class ChildIsolate implements ProcessIsolate {
  readonly pid: number;
  readonly #plugin: string;
  readonly #child: Deno.ChildProcess;
  readonly #events: IsolateEvents;
  readonly #options: ChildOptions;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #stdout: ReadableStreamDefaultReader<Uint8Array>;
  readonly #stderr: ReadableStreamDefaultReader<Uint8Array>;
  readonly #tail: string[] = [];
  readonly #done: Promise<void>;
  #ended = false;
  #exited = false;
  #terminating = false;
  #killReason: string | undefined;
  #killTimer: ReturnType<typeof setTimeout> | undefined;
  #rssTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    spec: IsolateSpec,
    child: Deno.ChildProcess,
    denoDir: string,
    events: IsolateEvents,
    options: ChildOptions,
  ) {
    this.pid = child.pid;
    this.#plugin = spec.plugin;
    this.#child = child;
    this.#events = events;
    this.#options = options;
    this.#writer = child.stdin.getWriter();
    this.#stdout = child.stdout.getReader();
    this.#stderr = child.stderr.getReader();
    live.add(child);
    const memoryMb = spec.manifest.limits.memoryMb;
    if (memoryMb !== undefined) this.#watchMemory(memoryMb);
    this.#done = this.#run(denoDir);
  }

  send(message: HostMessage): void {
    const frame = encodeMessage(message);
    if (this.#ended || this.#exited) return;
    this.#writer.write(frame).catch(() => {
      // The child is gone; its exit is reported from its status.
    });
  }

  terminate(): Promise<void> {
    if (!this.#terminating) {
      this.#terminating = true;
      this.#ended = true;
      if (!this.#exited) {
        this.#writer.close().catch(() => {});
        this.#killTimer = setTimeout(() => this.#kill(), this.#options.killAfterMs);
      }
    }
    return this.#done;
  }

  #kill(reason?: string): void {
    if (this.#exited) return;
    if (reason !== undefined) this.#killReason ??= reason;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // it exited in the meantime
    }
  }

  #watchMemory(memoryMb: number): void {
    const path = `/proc/${this.pid}/status`;
    if (Deno.build.os !== "linux" || !granted({ name: "read", path })) return;
    this.#rssTimer = setInterval(() => {
      const rss = readRssMiB(path);
      if (rss === undefined) {
        clearInterval(this.#rssTimer);
      } else if (rss > 2 * memoryMb) {
        this.#kill(
          `exceeded its memory limit of ${memoryMb} MiB (RSS ${Math.round(rss)} MiB)`,
        );
      }
    }, RSS_POLL_MS);
  }

  #log(stream: ProcessLogLine["stream"], text: string): void {
    if (stream === "stderr") {
      this.#tail.push(text);
      if (this.#tail.length > TAIL_LINES) this.#tail.shift();
    }
    try {
      // An explicit tier sink wins; otherwise the line goes to the host, which tags and routes it.
      if (this.#options.log !== undefined) {
        this.#options.log({ plugin: this.#plugin, stream, text });
      } else if (this.#events.log !== undefined) this.#events.log("log", text);
      else writeLogLine({ plugin: this.#plugin, stream, text });
    } catch (error) {
      // Keep reading: a child whose pipe is not drained blocks. The sink's error is the host's.
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  #deliver(payload: Uint8Array): void {
    if (this.#ended) return;
    let message: unknown;
    try {
      message = decodeMessage(payload);
    } catch (error) {
      this.#kill(`it sent a message that cannot be decoded: ${String(error)}`);
      return;
    }
    try {
      this.#events.message(message as PluginMessage);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  async #pumpStdout(): Promise<void> {
    const lines = new LineBuffer((text) => this.#log("stdout", text));
    const decoder = new FrameDecoder({
      frame: (payload) => this.#deliver(payload),
      text: (bytes) => lines.push(bytes),
    }, { maxFrameBytes: this.#options.maxMessageBytes });
    let broken = false;
    for (;;) {
      const { value, done } = await this.#stdout.read();
      if (done) break;
      if (broken) continue; // drain, so that the pipe closes at the child's exit
      try {
        decoder.push(value);
      } catch (error) {
        if (!(error instanceof FramingError)) throw error;
        broken = true;
        this.#kill(`it broke the protocol: ${error.message}`);
      }
    }
    try {
      if (!broken) decoder.end();
    } catch (error) {
      if (!(error instanceof FramingError)) throw error;
      this.#killReason ??= `it broke the protocol: ${error.message}`;
    }
    lines.end();
  }

  async #pumpStderr(): Promise<void> {
    const lines = new LineBuffer((text) => this.#log("stderr", text));
    for (;;) {
      const { value, done } = await this.#stderr.read();
      if (done) break;
      lines.push(value);
    }
    lines.end();
  }

  /** Waits for the child's end, then cleans up and reports. Never rejects. */
  async #run(denoDir: string): Promise<void> {
    const pumps = Promise.all([this.#pumpStdout(), this.#pumpStderr()]);
    let status: Deno.CommandStatus;
    try {
      status = await this.#child.status;
    } finally {
      this.#exited = true;
      live.delete(this.#child);
      clearTimeout(this.#killTimer);
      clearInterval(this.#rssTimer);
    }
    // A grandchild (with a run grant) may hold the pipes open: wait a little, then stop reading.
    if (!(await within(pumps, STDIO_DRAIN_MS))) {
      await Promise.allSettled([this.#stdout.cancel(), this.#stderr.cancel()]);
      await within(pumps, STDIO_DRAIN_MS);
    }
    await within(this.#writer.abort(), STDIO_DRAIN_MS);
    if (!this.#ended) {
      this.#ended = true;
      const reason = this.#killReason ?? describeExit(status, this.#tail);
      try {
        this.#events.exit(reason);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    await Deno.remove(denoDir, { recursive: true }).catch(() => {});
    leftovers.delete(denoDir);
  }
}

/** Whether `promise` settled (either way) within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settled = promise.then(() => true, () => true);
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function startProcess(
  spec: IsolateSpec,
  events: IsolateEvents,
  tierOptions: TierOptions,
): ProcessIsolate {
  const options: ChildOptions = {
    ...tierOptions,
    maxMessageBytes: tierOptions.maxMessageBytes ?? Math.max(spec.maxMessageBytes * 2, MIB),
  };
  if (PROCESS_MAIN.protocol !== "file:") {
    throw new PluginLoadError(
      spec.plugin,
      `the process tier needs @sandplug/host on local disk, but it runs from ${PROCESS_MAIN.origin}; ` +
        "install the package locally (deno install, vendor) or use the worker tier",
    );
  }
  const args = processArgs(spec, options);
  checkHostPermissions(spec.plugin);
  let denoDir: string;
  try {
    denoDir = Deno.makeTempDirSync({ prefix: "sandplug-deno-dir-" });
  } catch (cause) {
    throw new PluginLoadError(
      spec.plugin,
      `its private DENO_DIR could not be made: ${message(cause)}; ` +
        `the host needs write access to the temp folder (--allow-write=${tempDir() ?? "<temp>"})`,
      { cause },
    );
  }
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(Deno.execPath(), {
      args,
      env: processEnv(spec.grant.env, denoDir),
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (cause) {
    try {
      Deno.removeSync(denoDir, { recursive: true });
    } catch {
      // nothing to clean up
    }
    throw new PluginLoadError(
      spec.plugin,
      `its process could not start: ${
        message(cause)
      }; the host needs --allow-run=${Deno.execPath()}`,
      { cause },
    );
  }
  hookUnload();
  leftovers.add(denoDir);
  return new ChildIsolate(spec, child, denoDir, events, options);
}

/**
 * Makes a process tier with its own log sink and limits.
 *
 * @param options Where log lines go, the kill grace period, the message size limit, the parent watchdog.
 * @returns A tier whose isolates are {@linkcode ProcessIsolate}s.
 * @throws {RangeError} When a number is not positive.
 */
export function createProcessTier(options: ProcessTierOptions = {}): IsolationTier {
  const resolved: TierOptions = {
    log: options.log,
    killAfterMs: options.killAfterMs ?? 200,
    maxMessageBytes: options.maxMessageBytes,
    watchParent: options.watchParent ?? true,
  };
  for (const key of ["killAfterMs", "maxMessageBytes"] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
      throw new RangeError(
        `Cannot create process tier: ${key} must be a positive number; current value is ${value}`,
      );
    }
  }
  return {
    name: "process",
    enforces: { permissions: true, memoryLimit: true },
    start: (spec, events) => startProcess(spec, events, resolved),
  };
}

/**
 * Runs each plugin in its own `deno run` child process holding exactly its
 * effective grant, with a private DENO_DIR, a cleared environment, and, when
 * the manifest sets `limits.memoryMb`, a V8 heap cap plus an RSS watchdog at
 * twice that. Needs no unstable flag; the host needs `--allow-run` for the
 * deno executable and write access to the temp folder.
 */
export const processTier: IsolationTier = createProcessTier();
