/**
 * The errors of requests left unanswered: the plugin was closed, the deadline
 * passed, or the plugin's isolate ended. Each names what ended the request
 * and, when it is about one request, how long after it was made, as measured:
 * the configured deadline alone would not tell a call that ran too long from
 * one that waited behind others, or one that never ran.
 *
 * @module
 */
import { PluginError, type PluginErrorOptions } from "./plugin_error.ts";

/** A measured duration as the errors keep and print it: whole milliseconds. */
function wholeMs(ms: number): number {
  return Math.round(ms);
}

/**
 * The plugin (or its host) was closed before or while the call ran.
 *
 * @example A call made after the close, and one the close cut short
 * ```ts
 * import { PluginClosedError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * assert.match(new PluginClosedError("greeter", "greet").message, /is closed/);
 * const cut = new PluginClosedError("greeter", "greet", { elapsedMs: 120.4 });
 * assert.equal(cut.elapsedMs, 120);
 * assert.match(cut.message, /was closed 120 ms after the request, before its answer/);
 * ```
 */
export class PluginClosedError extends PluginError {
  /** Always "PLUGIN_CLOSED". */
  override readonly code = "PLUGIN_CLOSED";
  /**
   * For a request the close failed: how long after it was made the plugin
   * was closed, as measured, in whole milliseconds. `undefined` for a request
   * made after the close.
   */
  readonly elapsedMs?: number;

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param what What could not be done, e.g. the symbol's name.
   * @param options The cause; for a request the close failed, how long after it was made.
   */
  constructor(
    plugin: string,
    what: string,
    options: PluginErrorOptions & { elapsedMs?: number } = {},
  ) {
    const { elapsedMs, ...rest } = options;
    const when = elapsedMs === undefined
      ? "is closed"
      : `was closed ${wholeMs(elapsedMs)} ms after the request, before its answer`;
    super(`Cannot use "${what}": plugin "${plugin}" ${when}; load it again with host.load()`, {
      ...rest,
      plugin,
    });
    this.name = "PluginClosedError";
    if (elapsedMs !== undefined) this.elapsedMs = wholeMs(elapsedMs);
  }
}

/**
 * A call did not settle within its deadline. The message names the deadline,
 * how long after the call was made the host gave up on it, and what else is
 * known: that the plugin was ended as stuck, or that the call never ran
 * because it waited for a restart.
 *
 * @example A call past its deadline
 * ```ts
 * import { PluginTimeoutError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new PluginTimeoutError("greeter", "greet", 50, { elapsedMs: 51.3 });
 * assert.equal(error.timeoutMs, 50);
 * assert.equal(error.elapsedMs, 51);
 * assert.match(error.message, /did not answer "greet" within 50 ms, its deadline: no answer after 51 ms/);
 * ```
 */
export class PluginTimeoutError extends PluginError {
  /** Always "PLUGIN_TIMEOUT". */
  override readonly code = "PLUGIN_TIMEOUT";
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * How long after the call was made (for a stream's item: after the reader
   * began waiting for it) the host gave up, as measured, in whole
   * milliseconds: `timeoutMs` or a little more, much more on a busy host or
   * when the plugin was found stuck. `undefined` when not measured.
   */
  readonly elapsedMs?: number;

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param what The symbol or step that timed out.
   * @param timeoutMs The deadline that passed.
   * @param options The cause (e.g. the reason of an `AbortSignal.timeout()` signal); `elapsedMs`,
   * how long after the call was made the host gave up; `detail`, what else is known, as a clause
   * (e.g. "it never ran: …").
   */
  constructor(
    plugin: string,
    what: string,
    timeoutMs: number,
    options: PluginErrorOptions & { elapsedMs?: number; detail?: string } = {},
  ) {
    const { elapsedMs, detail, ...rest } = options;
    const after = elapsedMs === undefined ? "" : `: no answer after ${wholeMs(elapsedMs)} ms`;
    super(
      `Plugin "${plugin}" did not answer "${what}" within ${timeoutMs} ms, its deadline${after}${
        detail === undefined ? "" : `; ${detail}`
      }; raise the deadline with the call's timeoutMs option or createHost({ callTimeoutMs })`,
      { ...rest, plugin },
    );
    this.name = "PluginTimeoutError";
    this.timeoutMs = timeoutMs;
    if (elapsedMs !== undefined) this.elapsedMs = wholeMs(elapsedMs);
  }
}

/**
 * The plugin's isolate ended while calls were pending or was found dead: it
 * exited, threw outside a call, was killed (for its memory, or as stuck: it
 * answered no ping), lost its channel, or its restart gave up. The reason
 * says which; for one call, the message also says how long before the end it
 * was made, and whether it had started.
 *
 * @example A call that never ran, and one that had started
 * ```ts
 * import { PluginCrashedError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new PluginCrashedError("greeter", "uncaught error: boom");
 * assert.equal(error.reason, "uncaught error: boom");
 * const unrun = new PluginCrashedError("greeter", "its process exited", {
 *   started: false,
 *   elapsedMs: 512.2,
 * });
 * assert.equal(unrun.started, false);
 * assert.equal(unrun.elapsedMs, 512);
 * assert.match(unrun.message, /the call, sent 512 ms before, never ran, so it is safe to retry/);
 * const ran = new PluginCrashedError("greeter", "its process exited", { started: true });
 * assert.match(ran.message, /had started, and is not run again/);
 * ```
 */
export class PluginCrashedError extends PluginError {
  /** Always "PLUGIN_CRASHED". */
  override readonly code = "PLUGIN_CRASHED";
  /** Why the plugin ended. */
  readonly reason: string;
  /**
   * For a call that failed with it: whether plugin code started running it.
   * `false`: it never ran, and is safe to retry; `true`: it may have run
   * (calls run at most once); `undefined`: not about one call.
   */
  readonly started?: boolean;
  /**
   * For a request that failed with it: how long before the failure it was
   * made, as measured, in whole milliseconds. `undefined`: not about one
   * request.
   */
  readonly elapsedMs?: number;

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param reason Why the plugin ended.
   * @param options The cause; for an error that fails one request, whether it had started and
   * how long before it was sent.
   */
  constructor(
    plugin: string,
    reason: string,
    options: PluginErrorOptions & { started?: boolean; elapsedMs?: number } = {},
  ) {
    const { started, elapsedMs, ...rest } = options;
    const sent = elapsedMs === undefined ? "" : `, sent ${wholeMs(elapsedMs)} ms before,`;
    const ran = started === undefined
      ? elapsedMs === undefined ? "" : `; the request${sent} failed with it`
      : started
      ? `; the call${sent} had started, and is not run again (calls run at most once)`
      : `; the call${sent} never ran, so it is safe to retry`;
    super(
      `Plugin "${plugin}" crashed: ${reason}${ran}; load it again with host.load(), or let the host ` +
        'restart it with the restart option (e.g. restart: "on-failure")',
      { ...rest, plugin },
    );
    this.name = "PluginCrashedError";
    this.reason = reason;
    if (started !== undefined) this.started = started;
    if (elapsedMs !== undefined) this.elapsedMs = wholeMs(elapsedMs);
  }
}
