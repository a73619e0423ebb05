/**
 * How the framework calls one function of a plugin about many items with
 * one subject (`fw.run("filter", pod, nodes)`), where a plugin can do that
 * faster than call by call. The inline tier's handle can: it checks the
 * subject once for the run rather than once per call, skips the per-call
 * lookups, and hands a synchronous function's value back as it is. Not part
 * of the public API: the framework finds it on a handle by its key, and
 * falls back to `call()` where it is missing.
 *
 * @module
 */

/** The key under which a plugin handle offers its {@linkcode ItemCalls}. */
export const ITEM_CALLS: unique symbol = Symbol("sandplug.itemCalls");

/**
 * One call about one item. Returns the value as it is when the function
 * answered synchronously, else a promise of it; throws (or rejects with)
 * what the call fails with.
 */
export type ItemCall = (item: unknown) => unknown;

/**
 * `symbol`'s calls with `subject` first and one item second, bound to a
 * deadline; undefined when the plugin has no faster way than `call()`
 * (another tier, a contract to validate, a subject that may not cross).
 */
export type ItemCalls = (
  symbol: string,
  subject: unknown,
  timeoutMs: number | undefined,
) => ItemCall | undefined;
