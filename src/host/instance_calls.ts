/**
 * Requests and streams sent to one version of a plugin through its
 * supervisor: at once when its isolate is up, after the restart when one is
 * under way.
 *
 * @module
 */
import { PluginTimeoutError } from "../errors/errors.ts";
import type { Bounds } from "../connection/connection.ts";
import type { RequestTag } from "../wire/records.ts";
import type { Supervisor } from "./supervisor.ts";
import type { StreamOptions } from "../contract/call_types.ts";
import { positiveOption } from "../errors/options.ts";

/** How many items a stream's plugin may produce ahead of the reader, by default (as object-mode streams buffer). */
const DEFAULT_WINDOW = 16;

/**
 * A stream's bounds from its options: the idle deadline per item (the call
 * deadline by default), the signal, and the window.
 *
 * @throws {RangeError} When `timeoutMs` or `window` is not a positive number.
 */
export function streamBounds(
  options: StreamOptions | undefined,
  callTimeoutMs: number,
): Bounds & { window: number } {
  const timeoutMs = positiveOption("stream", "timeoutMs", options?.timeoutMs, callTimeoutMs);
  const window = positiveOption("stream", "window", options?.window, DEFAULT_WINDOW);
  return { timeoutMs, signal: options?.signal, window: Math.floor(window) };
}

/** Sends one request; during a restart it waits for it, within the request's one deadline. */
export function requestTo(
  supervisor: Supervisor,
  plugin: string,
  tag: RequestTag,
  symbol: string,
  payload: unknown,
  bounds: Bounds,
): Promise<unknown> {
  const ready = supervisor.ready;
  if (ready !== undefined) return ready.request(tag, symbol, payload, bounds);
  if (bounds.signal?.aborted) return Promise.reject(bounds.signal.reason);
  // A restart is under way (or the plugin is dead): wait for it, within the call's one deadline.
  // The deadline, and what errors say of the time passed, count from when the call was made.
  const since = bounds.since ?? performance.now();
  return supervisor.connection(symbol, { ...bounds, since }).then((connection) => {
    const elapsedMs = performance.now() - since;
    if (elapsedMs >= bounds.timeoutMs) {
      throw new PluginTimeoutError(plugin, symbol, bounds.timeoutMs, { elapsedMs });
    }
    return connection.request(tag, symbol, payload, { ...bounds, since });
  });
}

/** Starts one stream; during a restart it starts on the restarted plugin, within the first item's deadline. */
export function streamFrom(
  supervisor: Supervisor,
  symbol: string,
  args: unknown[],
  bounds: Bounds & { window: number },
): ReadableStream {
  const ready = supervisor.ready;
  if (ready !== undefined) return ready.stream(symbol, args, bounds);
  return ReadableStream.from((async function* () {
    const connection = await supervisor.connection(symbol, bounds);
    yield* connection.stream(symbol, args, bounds);
  })());
}
