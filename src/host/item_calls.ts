/**
 * A plugin handle's calls about many items with one subject, for a run of
 * the framework (`contract/item_calls.ts`): in the inline tier, the version,
 * the target and the subject are checked once, and each item's call is a
 * direct one that answers a synchronous function synchronously.
 *
 * @module
 */
import { isRef } from "../connection/refs.ts";
import type { CallOptions } from "../contract/call_types.ts";
import type { ItemCall } from "../contract/item_calls.ts";
import { positiveOption } from "../errors/options.ts";
import { valueProblem } from "../wire/value_check.ts";
import { type Instance, kindIn } from "./instance.ts";

/** What the handle lends: whether it was closed, and its ordinary call of the symbol. */
export interface ItemCallsOwner {
  closed(): boolean;
  call(args: unknown[], options: CallOptions | undefined): Promise<unknown>;
}

/**
 * `symbol`'s direct calls in version `at` with `subject` first, or undefined
 * where the ordinary call is the only way: a tier without direct calls, an
 * export that is not a function, a subject passed by reference or that may
 * not cross (its calls then fail as calls do).
 */
export function directItemCalls(
  at: Instance,
  plugin: string,
  symbol: string,
  subject: unknown,
  timeoutMs: number | undefined,
  owner: ItemCallsOwner,
): ItemCall | undefined {
  const callDirect = at.callDirect;
  const direct = at.supervisor.ready?.direct;
  if (
    callDirect === undefined || direct === undefined || kindIn(at, symbol) !== "function" ||
    isRef(subject) || valueProblem(subject, "args[0]") !== undefined
  ) return undefined;
  const ms = positiveOption("call", "timeoutMs", timeoutMs, at.callTimeoutMs);
  const target = direct[symbol];
  const options = timeoutMs === undefined ? undefined : { timeoutMs };
  return (item) => {
    // What a call would do differently goes the way of a call: after close, or a by-reference item.
    if (owner.closed() || at.supervisor.ended || isRef(item)) {
      return owner.call([subject, item], options);
    }
    return callDirect(plugin, symbol, target, [subject, item], ms, 1);
  };
}
