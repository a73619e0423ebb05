/**
 * The bounds of one call, read or write, as the plugin handle settles them
 * from the caller's options.
 *
 * @module
 */
import type { CallOptions } from "../contract/call_types.ts";
import type { Bounds } from "../connection/connection.ts";
import { PluginTimeoutError } from "../errors/errors.ts";
import { positiveOption } from "../errors/options.ts";

/**
 * The deadline and signal of one call: the caller's, else the handle's
 * deadline, counted from now, when the call is made (a wait for a restart
 * counts too, and its errors say how long ago that was).
 *
 * @throws {RangeError} When `options.timeoutMs` is not a positive number.
 */
export function callBounds(options: CallOptions | undefined, timeoutMs: number): Bounds {
  return {
    timeoutMs: positiveOption("call", "timeoutMs", options?.timeoutMs, timeoutMs),
    signal: options?.signal,
    since: performance.now(),
  };
}

/**
 * What `lookup()` options bind to every call through the function it returns,
 * checked at once; `undefined` when they bind nothing, which keeps those calls
 * on the fast path.
 *
 * @throws {RangeError} When `options.timeoutMs` is not a positive number.
 */
export function boundOptions(options: CallOptions): CallOptions | undefined {
  const { signal, timeoutMs } = options;
  if (signal === undefined && timeoutMs === undefined) return undefined;
  if (timeoutMs !== undefined) {
    positiveOption("look up a symbol", "timeoutMs", timeoutMs, timeoutMs);
  }
  return { signal, timeoutMs };
}

/** Per-call options over those given to `lookup()`, field by field. */
export function mergeOptions(
  bound: CallOptions | undefined,
  options: CallOptions | undefined,
): CallOptions | undefined {
  if (bound === undefined || options === undefined) return options ?? bound;
  return {
    signal: options.signal ?? bound.signal,
    timeoutMs: options.timeoutMs ?? bound.timeoutMs,
  };
}

/**
 * Makes a deadline that came as a signal (`AbortSignal.timeout()`) reject as
 * every other deadline does, with `PluginTimeoutError`; the signal's reason
 * becomes its `cause`. Any other rejection passes as it is.
 */
export function deadlineAsTimeout<T>(
  sent: Promise<T>,
  plugin: string,
  symbol: string,
  signal: AbortSignal,
): Promise<T> {
  const started = performance.now();
  return sent.catch((error: unknown) => {
    if (
      error !== signal.reason || !(error instanceof DOMException) || error.name !== "TimeoutError"
    ) {
      throw error;
    }
    // The signal's own deadline is not known: what it let the call wait is the best measure of it.
    const waitedMs = Math.round(performance.now() - started);
    throw new PluginTimeoutError(plugin, symbol, waitedMs, {
      cause: error,
      elapsedMs: waitedMs,
      detail: "the deadline was the call's signal (AbortSignal.timeout())",
    });
  });
}
