/**
 * The entry module of a plugin's child process (the process tier). It is
 * trusted host code: Deno loads this module's static graph without permission
 * checks, and only after the host's `init` does it import the plugin's entry
 * module, through a computed specifier, so that the plugin's whole module
 * graph is checked against the child's own (narrow) flags.
 *
 * Messages arrive as frames on stdin and leave as frames on stdout. Before
 * any plugin code runs, this module keeps the real stdout for itself and
 * sends the plugin's `console.*` and `Deno.stdout` output to stderr, so that
 * plugin output cannot corrupt the protocol. When stdin ends (the host closed
 * it, exited, crashed or was killed), the process exits.
 *
 * @module
 */
import type { HostMessage, PluginMessage } from "../wire/protocol.ts";
import {
  decodeMessage,
  encodeMessage,
  FrameDecoder,
  TAG_BYTES,
  writeAllSync,
} from "../wire/framing.ts";
import { errorText } from "../wire/error_text.ts";
import { loadEntry } from "./dispatch.ts";
import { serve } from "./serve.ts";
import { installGlobalHost } from "./host_api.ts";
import { forwardConsole } from "./forward_console.ts";
import { removeSharedGlobals } from "./harden.ts";
import { quietEnvProbes } from "./env_probe.ts";
// Loaded here, as part of the trusted static graph, so that a plugin importing
// the SDK (mapped to this file by the child's import map) gets this
// already-evaluated module instead of needing read access to it.
import "./sdk.ts";

type WriteSync = (bytes: Uint8Array) => number;

// Captured before plugin code runs, so that a plugin replacing them breaks only itself.
const exit: (code?: number) => never = Deno.exit;
const writeStdout: WriteSync = Deno.stdout.writeSync.bind(Deno.stdout);
const writeStderr: WriteSync = Deno.stderr.writeSync.bind(Deno.stderr);
// Plain reads: creating the first web stream costs a child about 3 ms of start-up.
const readStdin: (buffer: Uint8Array) => Promise<number | null> = Deno.stdin.read.bind(Deno.stdin);

const writeAll = writeAllSync;

/** Sends plugin output to stderr: `console.*` and every `Deno.stdout` API; `Deno.stdin` reads nothing. */
function redirectPluginOutput(): void {
  const encoder = new TextEncoder();
  const toStderr = (text: string) => writeAll(writeStderr, encoder.encode(text));
  // Deno's own Console class, when reachable, prints exactly like the global
  // console (tables, groups, counters) through whatever function it is given.
  const deno = Deno as unknown as Record<symbol, { Console?: unknown } | undefined>;
  const internal = deno[(Deno as unknown as { internal: symbol }).internal];
  const target = console as unknown as Record<string, unknown>;
  if (typeof internal?.Console === "function") {
    const Console = internal.Console as new (print: (text: string) => void) => object;
    const stderrConsole = new Console(toStderr) as Record<string, unknown>;
    for (const key of Object.keys(target)) {
      if (typeof stderrConsole[key] === "function") target[key] = stderrConsole[key];
    }
  } else {
    const error = console.error;
    for (const key of ["log", "info", "debug", "dir", "dirxml", "table", "timeLog", "timeEnd"]) {
      target[key] = (...args: unknown[]) => error(...args);
    }
  }
  const stderr = Deno.stderr;
  const fakeStdout = Object.freeze({
    write: (bytes: Uint8Array) => stderr.write(bytes),
    writeSync: (bytes: Uint8Array) => stderr.writeSync(bytes),
    get writable() {
      return stderr.writable;
    },
    close: () => {},
    isTerminal: () => false,
  });
  const fakeStdin = Object.freeze({
    read: () => Promise.resolve(null),
    readSync: () => null,
    get readable() {
      return new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
    },
    close: () => {},
    isTerminal: () => false,
    setRaw: () => {},
  });
  Object.defineProperty(Deno, "stdout", { value: fakeStdout, configurable: true, writable: true });
  Object.defineProperty(Deno, "stdin", { value: fakeStdin, configurable: true, writable: true });
}

/**
 * The session tag from the host's `init`, which every frame to the host must
 * carry. It lives only in this closure: plugin code, which can write to the
 * real stdout through `node:fs` and friends, never sees it, so it cannot
 * forge a message.
 */
let sessionTag: Uint8Array | undefined;

function takeSessionTag(message: HostMessage): HostMessage {
  if (message.type !== "init" || sessionTag !== undefined) return message;
  const { session, ...init } = message;
  if (
    typeof session !== "string" || !/^[0-9a-f]+$/.test(session) || session.length !== 2 * TAG_BYTES
  ) {
    fail(
      "the host's init carries no session tag; use the same @sandplug/host for host and runtime",
    );
  }
  const tag = new Uint8Array(TAG_BYTES);
  for (let index = 0; index < TAG_BYTES; index++) {
    tag[index] = parseInt(session.slice(2 * index, 2 * index + 2), 16);
  }
  sessionTag = tag;
  return init;
}

function post(message: PluginMessage): void {
  if (sessionTag === undefined) return; // nothing is sent before init
  // Throws for what cannot be serialised: serve() answers with why.
  const frame = encodeMessage(message, sessionTag);
  try {
    writeAll(writeStdout, frame);
  } catch {
    exit(0); // the host is gone: nobody is left to answer
  }
}

const served = serve({
  post,
  installHost: installGlobalHost,
  load(init) {
    removeSharedGlobals();
    flushBeforeExit(() => served.flush());
    quietEnvProbes(post, init.env);
    forwardConsole(post);
    return loadEntry(init.entry);
  },
});

/**
 * Delivers what plugin code produced before its process ends: `Deno.exit()`
 * from plugin code, an uncaught error or an unhandled rejection would
 * otherwise take the replies of calls that already returned with them.
 */
function flushBeforeExit(flush: () => void): void {
  Object.defineProperty(Deno, "exit", {
    value: (code?: number) => {
      flush();
      return exit(code);
    },
    writable: false,
    configurable: false,
  });
  globalThis.addEventListener("error", flush);
  globalThis.addEventListener("unhandledrejection", flush);
}

function fail(reason: string): never {
  writeAll(writeStderr, new TextEncoder().encode(`sandplug: ${reason}\n`));
  exit(70);
}

/**
 * Kills this process once its parent (the host) is gone, even while plugin
 * code keeps the main thread busy and so never sees stdin end: a worker
 * thread polls the parent pid. Killing one's own process needs no permission.
 * Only where the host cannot run its reaper process (`_reaper.ts`), which
 * does the same for every child without a thread in each.
 */
function watchParent(): void {
  const code = `const parent = ${Deno.ppid};
    setInterval(() => { if (Deno.ppid !== parent) Deno.kill(Deno.pid, "SIGKILL"); }, 250);`;
  try {
    new Worker(`data:text/javascript,${encodeURIComponent(code)}`, {
      type: "module",
      name: "sandplug-parent-watch",
    });
  } catch (error) {
    writeAll(
      writeStderr,
      new TextEncoder().encode(`sandplug: cannot watch the host: ${errorText(error)}\n`),
    );
  }
}

if (Deno.args.includes("--sandplug-watch-parent")) watchParent();
redirectPluginOutput();

const decoder = new FrameDecoder({
  frame(payload) {
    let message: HostMessage;
    try {
      message = decodeMessage(payload, true) as HostMessage; // the read buffer is used again
    } catch (error) {
      fail(`a message from the host cannot be decoded: ${errorText(error)}`);
    }
    served.receive(takeSessionTag(message));
  },
  text() {
    // Only the host writes to stdin, and it writes frames only.
  },
});

// One buffer for every read: the decoder copies what it must keep. A fresh 64 KiB buffer per
// read cost each call a zeroed allocation and, through external memory, extra collections.
const buffer = new Uint8Array(64 * 1024);
try {
  for (;;) {
    const read = await readStdin(buffer);
    if (read === null) break;
    decoder.push(buffer.subarray(0, read));
  }
  decoder.end();
} catch (error) {
  fail(`the channel from the host broke: ${errorText(error)}`);
}
exit(0);
