/**
 * What the inline tier's direct call takes as its target: one export of one
 * loaded plugin, with the plugin it belongs to. A module's exports can be
 * shared by several loads of it (Deno imports a module once), so the
 * function alone cannot tell whose call it is.
 *
 * @module
 */
import { type PluginContext, runAsPlugin } from "./plugin_context.ts";
import { startCall } from "../../runtime/call_signal.ts";

const AsyncFunction = (async () => {}).constructor;
const AsyncGeneratorFunction = (async function* () {}).constructor;

/**
 * One export of a loaded inline plugin, called directly: the function as the
 * plugin exported it when it loaded (reading the export again on each call
 * would cost a lookup by name, as much as the rest of the call). A plain
 * record, read in place by the direct call: its sync path is that hot.
 */
export interface DirectTarget {
  /** The export (a value that is not a function fails when called, as by message). */
  readonly fn: (...args: unknown[]) => unknown;
  /** The plugin it belongs to. */
  readonly context: PluginContext;
  /**
   * Whether its calls run in the plugin's async context, so that what they
   * do after an `await` is attributed too: for async functions, and for one
   * that returned a promise once (what that call did after awaits was not).
   * Others start with the plugin as `startCall()`'s owner, which costs next
   * to nothing.
   */
  async: boolean;
}

/** Starts a call of `target` in its plugin's async context. */
export function startInContext(target: DirectTarget, args: readonly unknown[]): unknown {
  return runAsPlugin(target.context, startCall, target.fn, args, undefined, target.context);
}

/** A loaded module's exports as direct-call targets of the plugin of `context`. */
export function directTargets(
  exports: Readonly<Record<string, unknown>>,
  context: PluginContext,
): Readonly<Record<string, DirectTarget>> {
  const targets: Record<string, DirectTarget> = Object.create(null);
  for (const name of Object.keys(exports)) {
    const fn = exports[name];
    targets[name] = {
      fn: fn as DirectTarget["fn"],
      context,
      async: typeof fn === "function" &&
        (fn.constructor === AsyncFunction || fn.constructor === AsyncGeneratorFunction),
    };
  }
  return Object.freeze(targets);
}
