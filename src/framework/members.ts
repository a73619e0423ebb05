/**
 * What the framework needs of a loaded plugin (any tier), typed by its
 * shape so that the framework does not depend on the host; and a plugin's
 * function bound to a point.
 *
 * @module
 */
import { ITEM_CALLS, type ItemCall, type ItemCalls } from "../contract/item_calls.ts";

/**
 * A loaded plugin as the framework uses it: what `host.load()` returns fits
 * it, in every tier. `manifest.extends` maps point → the function that
 * implements it.
 */
export interface FrameworkPlugin {
  /** The plugin's name, which the profile lists. */
  readonly name: string;
  /** Its manifest; its `extends` map (point → function name) says which points it implements. */
  readonly manifest: { readonly name: string; readonly extends?: Readonly<Record<string, string>> };
  /** Its exports and their kinds. */
  readonly symbols: readonly { readonly name: string; readonly kind: string }[];
  /** Its tier; `"inline"` plugins are called directly, all of a run's calls at once. */
  readonly isolation?: string;
  /** Calls one of its functions, with a signal and a deadline. */
  call(
    name: string,
    args?: readonly unknown[],
    options?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<unknown>;
  /** Looks up one of its functions, bound to a deadline. */
  lookup(name: string, options?: { kind?: "function"; timeoutMs?: number }): unknown;
}

/** Options of `fw.use()`. */
export interface UseOptions {
  /**
   * Which function implements each point: point → function name. Gives the
   * map to a plugin whose manifest has none (a compiled-in plugin), or
   * replaces the manifest's.
   *
   * @default {the manifest's "extends" map}
   */
  extends?: Readonly<Record<string, string>>;
  /**
   * The name the profile knows the plugin by, e.g. to use two copies of one
   * plugin side by side.
   *
   * @default {the plugin's name}
   */
  name?: string;
}

/** One plugin enabled at one point, ready to call. */
export interface Member {
  /** Its name, as the profile lists it. */
  readonly plugin: string;
  /** The function that implements the point. */
  readonly symbol: string;
  /** Its weight (score points), else 1. */
  readonly weight: number;
  /** How many of its calls a run keeps in flight. */
  readonly concurrency: number;
  /** Calls the function with its arguments; never throws, every failure is a rejection. */
  readonly call: Call;
  /** Its calls about a run's items with one subject, where the plugin has a faster way than `call`. */
  readonly over?: (subject: unknown) => ItemCall | undefined;
}

/** A plugin's function, called with its arguments. */
export type Call = (...args: unknown[]) => Promise<unknown>;

/** A plugin's function bound to a point, ready to call within a run with the run's signal. */
export type Bound = (signal: AbortSignal | undefined) => Pick<Member, "call" | "over">;

/**
 * Binds `symbol` of `plugin` with the point's deadline: the function
 * `lookup()` gives, which in the inline tier calls the plugin directly, and
 * the plugin's faster way to call it about many items, if it has one (an
 * inline plugin's: see `item_calls.ts`); or, for a run with a signal,
 * `call()`, which needs the cancellable path.
 */
export function bind(
  plugin: FrameworkPlugin,
  symbol: string,
  timeoutMs: number | undefined,
): Bound {
  const options = timeoutMs === undefined ? { kind: "function" as const } : {
    kind: "function" as const,
    timeoutMs,
  };
  const call = plugin.lookup(symbol, options) as Call;
  const items = (plugin as { [ITEM_CALLS]?: ItemCalls })[ITEM_CALLS];
  const over = typeof items === "function"
    ? (subject: unknown) => items.call(plugin, symbol, subject, timeoutMs)
    : undefined;
  return (signal) => {
    if (signal === undefined) return { call, over };
    const bounds = timeoutMs === undefined ? { signal } : { signal, timeoutMs };
    return { call: (...args) => plugin.call(symbol, args, bounds) };
  };
}

/** Checks that `value` has the shape of a loaded plugin, for `use()`. */
export function checkPlugin(value: unknown): asserts value is FrameworkPlugin {
  const plugin = value as Partial<FrameworkPlugin> | null;
  if (
    typeof plugin !== "object" || plugin === null || typeof plugin.name !== "string" ||
    typeof plugin.call !== "function" || typeof plugin.lookup !== "function" ||
    !Array.isArray(plugin.symbols) || typeof plugin.manifest !== "object"
  ) {
    throw new TypeError(
      `Cannot use a plugin: it must be a loaded plugin (what host.load() returns); current value ` +
        `is ${typeof value === "object" ? (value === null ? "null" : "an object") : typeof value}`,
    );
  }
}
