/**
 * The inline tier's direct call: plugin code run in the host's own isolate
 * without messages, with the semantics its messages would have.
 *
 * @module
 */
import { PluginCallError, PluginTimeoutError, ValidationError } from "../../errors/errors.ts";
import { startCall, startedController } from "../../runtime/call_signal.ts";
import { toWireError } from "../../wire/error_data.ts";
import { argsProblem, refusalText, valueProblem } from "../../wire/value_check.ts";
import { type DirectTarget, startInContext } from "./direct_target.ts";

/**
 * Calls a function of a plugin in the host's own isolate, without messages:
 * the inline tier's fast path. A synchronous result comes back as it is (it
 * could not have been interrupted anyway); a promise gets the call's deadline,
 * and its signal aborts when the deadline passes. `target` is what an inline
 * isolate hands out, a {@linkcode DirectTarget}: it runs as its plugin's
 * code, so that what it logs is that plugin's.
 *
 * @param checkedArgs How many leading arguments the caller checked already (a run's one subject).
 */
export function callDirect(
  plugin: string,
  symbol: string,
  target: unknown,
  args: readonly unknown[],
  timeoutMs: number,
  checkedArgs = 0,
): unknown {
  // Values pass by reference here, but what the other tiers refuse is refused here too.
  const refused = argsProblem(args, checkedArgs);
  if (refused !== undefined) {
    throw new ValidationError(plugin, symbol, refused.path, refusalText(refused, "plugin"));
  }
  const direct = target as DirectTarget;
  let result: unknown;
  try {
    result = direct.async
      ? startInContext(direct, args)
      : startCall(direct.fn, args, undefined, direct.context);
  } catch (error) {
    throw new PluginCallError(plugin, symbol, toWireError(error));
  }
  const controller = startedController();
  if (!(result instanceof Promise)) {
    if (!isThenable(result)) return checked(plugin, symbol, result);
    result = Promise.resolve(result); // adopted, as the runtime of the other tiers adopts it
  }
  direct.async = true; // its later calls run in the plugin's async context
  // A timer cleared on settling rather than boundedWait(): this is the inline tier's hot path,
  // where an AbortSignal.timeout() per call costs about half as much again.
  const { promise, resolve, reject } = Promise.withResolvers<unknown>();
  const since = performance.now();
  const timer = setTimeout(() => {
    controller?.abort(new DOMException("the host gave up on this call", "AbortError"));
    const elapsedMs = performance.now() - since;
    reject(new PluginTimeoutError(plugin, symbol, timeoutMs, { elapsedMs }));
  }, timeoutMs);
  (result as Promise<unknown>).then(
    (value) => {
      clearTimeout(timer);
      try {
        resolve(checked(plugin, symbol, value));
      } catch (error) {
        reject(error);
      }
    },
    (error) => {
      clearTimeout(timer);
      reject(new PluginCallError(plugin, symbol, toWireError(error)));
    },
  );
  return promise;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function";
}

/** A result as it is, or the `ValidationError` the other tiers give for it. */
function checked(plugin: string, symbol: string, value: unknown): unknown {
  const refused = valueProblem(value, "result");
  if (refused === undefined) return value;
  throw new ValidationError(plugin, symbol, refused.path, refusalText(refused, "host"));
}
