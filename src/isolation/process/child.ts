/**
 * One running plugin child of the process tier: frames to its stdin, frames
 * and log lines from its stdout and stderr, its memory watchdog, and its end.
 *
 * @module
 */
import type { HostMessage, PluginMessage } from "../../wire/protocol.ts";
import {
  decodeMessage,
  encodeMessage,
  FrameDecoder,
  FramingError,
  TAG_BYTES,
} from "../../wire/framing.ts";
import { boundedWait } from "../../wire/bounded_wait.ts";
import { granted } from "./args.ts";
import { describeExit, LineBuffer, type ProcessLogLine, writeLogLine } from "./output.ts";
import { releaseChild } from "./reaper.ts";
import type { IsolateEvents, IsolateSpec } from "../types.ts";
import type { ProcessIsolate, ProcessTierOptions } from "./tier.ts";
import { errorText } from "../../wire/error_text.ts";

const RSS_POLL_MS = 200;
const STDIO_DRAIN_MS = 500;
const TAIL_LINES = 100;

/** The options one child runs with: the frame cap resolved, the log sink optional. */
export type ChildOptions = Omit<Required<ProcessTierOptions>, "log"> & {
  log: ProcessTierOptions["log"];
};

// Children still running. If the host ends (Deno.exit(), or its event loop ran
// out) before they are reaped, the unload handler kills them: stdin EOF would
// not reach a busy one.
const live = new Set<Deno.ChildProcess>();
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

/** Whether `promise` settled (either way) within `ms`. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return boundedWait(promise.then(() => true, () => true), {
    timeoutMs: ms,
    onTimeout: () => false,
  });
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** A plugin's child process, from its spawn to its reaping. */
export class ChildIsolate implements ProcessIsolate {
  readonly pid: number;
  readonly #plugin: string;
  readonly #child: Deno.ChildProcess;
  readonly #events: IsolateEvents;
  readonly #options: ChildOptions;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #stdout: ReadableStreamDefaultReader<Uint8Array>;
  readonly #stderr: ReadableStreamDefaultReader<Uint8Array>;
  readonly #tail: string[] = [];
  /** The session tag: frames without it did not come from the runtime. */
  readonly #tag = crypto.getRandomValues(new Uint8Array(TAG_BYTES));
  readonly #done: Promise<void>;
  /** Until the reaper has the pid, frames wait: no plugin code may run unwatched. */
  #watched: Promise<void> | undefined;
  #ended = false;
  #exited = false;
  #terminating = false;
  #killReason: string | undefined;
  #killTimer: ReturnType<typeof setTimeout> | undefined;
  #rssTimer: ReturnType<typeof setInterval> | undefined;

  /**
   * @param watched Settles once the reaper lists the child; undefined when no reaper watches it.
   */
  constructor(
    spec: IsolateSpec,
    child: Deno.ChildProcess,
    events: IsolateEvents,
    options: ChildOptions,
    watched: Promise<void> | undefined,
  ) {
    this.pid = child.pid;
    this.#plugin = spec.plugin;
    this.#child = child;
    this.#events = events;
    this.#options = options;
    this.#writer = child.stdin.getWriter();
    this.#stdout = child.stdout.getReader();
    this.#stderr = child.stderr.getReader();
    if (watched !== undefined) {
      this.#watched = watched;
      // Registered first, so it runs before the frames queued behind the same promise.
      watched.then(() => this.#watched = undefined);
    }
    hookUnload();
    live.add(child);
    const memoryMb = spec.manifest.limits.memoryMb;
    if (memoryMb !== undefined) this.#watchMemory(memoryMb);
    this.#done = this.#run();
  }

  send(message: HostMessage): void {
    const frame = encodeMessage(
      message.type === "init" ? { ...message, session: toHex(this.#tag) } : message,
    );
    if (this.#ended || this.#exited) return;
    if (this.#watched === undefined) this.#write(frame);
    else this.#watched.then(() => this.#write(frame));
  }

  #write(frame: Uint8Array): void {
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
      rethrowLater(error);
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
      // The host must survive whatever a plugin sends: a message it cannot take ends the plugin.
      this.#kill(`the host could not handle its message: ${errorText(error)}`);
    }
  }

  async #pumpStdout(): Promise<void> {
    const lines = new LineBuffer((text) => this.#log("stdout", text));
    const decoder = new FrameDecoder({
      frame: (payload) => this.#deliver(payload),
      text: (bytes) => lines.push(bytes),
    }, { maxFrameBytes: this.#options.maxMessageBytes, tag: this.#tag });
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
  async #run(): Promise<void> {
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
    // Reaped: the pid may now go to another process, so it leaves the reaper's list at once.
    const released = releaseChild(this.pid);
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
        rethrowLater(error);
      }
    }
    await released;
  }
}
