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
import { PERMISSION_KINDS } from "../permissions.ts";
import type { HostMessage, PluginMessage } from "../protocol.ts";
import { decodeMessage, encodeMessage, FrameDecoder, FramingError } from "./_framing.ts";
import type { Isolate, IsolateEvents, IsolateSpec, IsolationTier } from "./types.ts";

const PROCESS_MAIN = new URL("../runtime/process_main.ts", import.meta.url);
const SDK = new URL("../runtime/sdk.ts", import.meta.url);
const RSS_POLL_MS = 200;
const STDIO_DRAIN_MS = 500;
const TAIL_LINES = 100;
const MAX_LINE_CHARS = 16_384;

/** One line a plugin's process wrote outside the protocol. */
export interface ProcessLogLine {
  /** The plugin's name. */
  plugin: string;
  /** `"stderr"`, or `"stdout"` for bytes written to stdout outside any frame. */
  stream: "stdout" | "stderr";
  /** The line, without its line break. */
  text: string;
}

/** Options of {@linkcode createProcessTier}. */
export interface ProcessTierOptions {
  /**
   * Receives every line the child writes outside the protocol.
   *
   * @default {writeLogLine (prints `[<plugin>] <line>` to the host's stderr)}
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
   * a longer one is killed before the host buffers it.
   *
   * @default {536870912 (512 MiB)}
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

/** Prints a plugin's log line to the host's stderr as `[<plugin>] <line>`. */
export function writeLogLine(line: ProcessLogLine): void {
  try {
    const bytes = new TextEncoder().encode(`[${line.plugin}] ${line.text}\n`);
    for (let done = 0; done < bytes.length;) done += Deno.stderr.writeSync(bytes.subarray(done));
  } catch {
    // The host's stderr is closed: the line has nowhere to go.
  }
}

function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

const IMPORT_MAP = `data:application/json,${
  encodeURIComponent(JSON.stringify({ imports: { "@sandplug/host/plugin": SDK.href } }))
}`;

/**
 * The `deno` arguments of a plugin's child: flags compiled from the grant and
 * nothing more, then the trusted entry module.
 *
 * @throws {PluginLoadError} When a grant item holds a comma, which a flag cannot express, or
 * the grant declares package imports, which the child cannot resolve.
 */
export function processArgs(spec: IsolateSpec, options: { watchParent?: boolean } = {}): string[] {
  const packages = spec.grant.imports ?? [];
  if (packages.length > 0) {
    throw new PluginLoadError(
      spec.plugin,
      `it imports packages (${packages.join(", ")}), which the process tier cannot provide yet: ` +
        "its child runs with --no-npm and an import map that holds only the plugin SDK; use the worker tier",
    );
  }
  // --no-code-cache: a throw-away DENO_DIR would never reuse the cache, only write it.
  const args = ["run", "--no-config", "--no-lock", "--no-npm", "--no-prompt", "--no-code-cache"];
  // A fresh DENO_DIR caches nothing, so --cached-only would refuse every granted remote import.
  if (spec.grant.import.length === 0) args.push("--no-remote", "--cached-only");
  for (const kind of PERMISSION_KINDS) {
    const items = spec.grant[kind];
    const comma = items.find((item) => item.includes(","));
    if (comma !== undefined) {
      throw new PluginLoadError(
        spec.plugin,
        `its ${kind} grant ${
          JSON.stringify(comma)
        } holds a comma, which a --allow-${kind} flag cannot express; ` +
          "rename the path or use the worker tier",
      );
    }
    args.push(items.length > 0 ? `--allow-${kind}=${items.join(",")}` : `--deny-${kind}`);
  }
  const memoryMb = spec.manifest.limits.memoryMb;
  if (memoryMb !== undefined) args.push(`--v8-flags=--max-old-space-size=${memoryMb}`);
  args.push(`--import-map=${IMPORT_MAP}`, PROCESS_MAIN.href);
  if (options.watchParent) args.push("--sandplug-watch-parent");
  return args;
}

/**
 * The child's whole environment: the granted variables the host may read
 * (`NAME*` copies every variable with that prefix), its own DENO_DIR, and
 * NO_COLOR. A variable the host may not read is left out, never an error.
 */
export function processEnv(grant: readonly string[], denoDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of grant) {
    if (item.endsWith("*")) {
      if (!granted({ name: "env" })) continue;
      const prefix = item.slice(0, -1);
      for (const [name, value] of Object.entries(Deno.env.toObject())) {
        if (name.startsWith(prefix)) env[name] = value;
      }
    } else if (granted({ name: "env", variable: item })) {
      const value = Deno.env.get(item);
      if (value !== undefined) env[item] = value;
    }
  }
  return { ...env, DENO_DIR: denoDir, NO_COLOR: "1" };
}

/** Splits a byte stream into lines. */
class LineBuffer {
  readonly #decoder = new TextDecoder();
  readonly #onLine: (line: string) => void;
  #pending = "";

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  push(bytes: Uint8Array): void {
    this.#split(this.#pending + this.#decoder.decode(bytes, { stream: true }));
  }

  end(): void {
    this.#split(this.#pending + this.#decoder.decode());
    if (this.#pending !== "") this.#onLine(this.#pending);
    this.#pending = "";
  }

  #split(text: string): void {
    const lines = text.split("\n");
    let rest = lines.pop() ?? "";
    for (const line of lines) this.#onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
    while (rest.length > MAX_LINE_CHARS) {
      this.#onLine(rest.slice(0, MAX_LINE_CHARS));
      rest = rest.slice(MAX_LINE_CHARS);
    }
    this.#pending = rest;
  }
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** The most telling of the child's last stderr lines: Deno's `error:` line or V8's fatal line, else the last one. */
function lastWords(lines: readonly string[]): string | undefined {
  const clean = lines.map((line) => line.replace(ANSI, "").replace(/^#\s*/, "").trim())
    .filter((line) => line !== "");
  return clean.findLast((line) => /^error: |^Fatal |panicked/.test(line)) ?? clean.at(-1);
}

function describeExit(status: Deno.CommandStatus, tail: readonly string[]): string {
  const how = status.signal === null
    ? `its process exited with code ${status.code}`
    : `its process was killed by ${status.signal} (exit code ${status.code})`;
  const words = lastWords(tail);
  return words === undefined ? how : `${how}; last output: ${words}`;
}

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
  readonly #options: Required<ProcessTierOptions>;
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
    options: Required<ProcessTierOptions>,
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
      this.#options.log({ plugin: this.#plugin, stream, text });
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

/** The temp folder Deno.makeTempDir uses, when the host may know it without a prompt (Unix only). */
function tempDir(): string | undefined {
  if (Deno.build.os === "windows") return undefined;
  const fromEnv = granted({ name: "env", variable: "TMPDIR" }) ? Deno.env.get("TMPDIR") : undefined;
  return fromEnv || "/tmp";
}

/**
 * Refuses, before anything is tried, to start a child the host lacks the
 * permissions for: trying would make Deno prompt on the host's terminal.
 */
function checkHostPermissions(plugin: string): void {
  const deno = Deno.execPath();
  const missing: string[] = [];
  if (!granted({ name: "run", command: deno })) missing.push(`--allow-run=${deno}`);
  const tmp = tempDir();
  if (tmp !== undefined && !granted({ name: "write", path: tmp })) {
    missing.push(`--allow-write=${tmp}`);
  }
  if (missing.length > 0) {
    throw new PluginLoadError(
      plugin,
      `the host may not start its process: run the host with ${missing.join(" ")} ` +
        '(the plugin gets none of it), or use isolation: "worker"',
    );
  }
}

function startProcess(
  spec: IsolateSpec,
  events: IsolateEvents,
  options: Required<ProcessTierOptions>,
): ProcessIsolate {
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
  const resolved: Required<ProcessTierOptions> = {
    log: options.log ?? writeLogLine,
    killAfterMs: options.killAfterMs ?? 200,
    maxMessageBytes: options.maxMessageBytes ?? 512 * 1024 * 1024,
    watchParent: options.watchParent ?? true,
  };
  for (const key of ["killAfterMs", "maxMessageBytes"] as const) {
    const value = resolved[key];
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(
        `Cannot create process tier: ${key} must be a positive number; current value is ${value}`,
      );
    }
  }
  return { name: "process", start: (spec, events) => startProcess(spec, events, resolved) };
}

/**
 * Runs each plugin in its own `deno run` child process holding exactly its
 * effective grant, with a private DENO_DIR, a cleared environment, and, when
 * the manifest sets `limits.memoryMb`, a V8 heap cap plus an RSS watchdog at
 * twice that. Needs no unstable flag; the host needs `--allow-run` for the
 * deno executable and write access to the temp folder.
 */
export const processTier: IsolationTier = createProcessTier();
