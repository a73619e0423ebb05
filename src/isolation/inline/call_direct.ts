/**
 * The inline tier's direct call: plugin code run in the host's own isolate
 * without messages, with the semantics its messages would have.
 *
 * @module
 */
import { PluginCallError, PluginTimeoutError } from "../../errors/errors.ts";
import { startCall, startedController } from "../../runtime/call_signal.ts";
import { toWireError } from "../../wire/error_data.ts";

/**
 * Calls a function of a plugin in the host's own isolate, without messages:
 * the inline tier's fast path. A synchronous result comes back as it is (it
 * could not have been interrupted anyway); a promise gets the call's deadline,
 * and its signal aborts when the deadline passes.
 */
export function callDirect(
  plugin: string,
  symbol: string,
  target: unknown,
  args: readonly unknown[],
  timeoutMs: number,
): unknown {
  let result: unknown;
  try {
    result = startCall(target as (...args: unknown[]) => unknown, args);
  } catch (error) {
    throw new PluginCallError(plugin, symbol, toWireError(error));
  }
  if (!(result instanceof Promise)) return result;
  const controller = startedController();
  // A timer cleared on settling rather than boundedWait(): this is the inline tier's hot path,
  // where an AbortSignal.timeout() per call costs about half as much again.
  const { promise, resolve, reject } = Promise.withResolvers<unknown>();
  const timer = setTimeout(() => {
    controller?.abort(new DOMException("the host gave up on this call", "AbortError"));
    reject(new PluginTimeoutError(plugin, symbol, timeoutMs));
  }, timeoutMs);
  result.then(
    (value) => {
      clearTimeout(timer);
      resolve(value);
    },
    (error) => {
      clearTimeout(timer);
      reject(new PluginCallError(plugin, symbol, toWireError(error)));
    },
  );
  return promise;
}
