/**
 * Timers that a synchronous direct call of an inline plugin sets run as that
 * plugin's code. Such a call runs without an async context (entering one
 * costs more than the call), so `setTimeout` and `setInterval` are wrapped,
 * once, when the first inline plugin starts: a timer set while a plugin's
 * direct call runs carries that plugin's context into its callback, and one
 * set by host code handling a plugin's message runs as the host's; any
 * other passes straight through.
 *
 * @module
 */
import { runAsHost, runAsPlugin, timerContext } from "./plugin_context.ts";

let installed = false;

type Timer = (handler: unknown, timeout?: number, ...args: unknown[]) => number;

/** Wraps the host's `setTimeout` and `setInterval`. Once. */
export function installScopedTimers(): void {
  if (installed) return;
  installed = true;
  const slots = globalThis as unknown as Record<"setTimeout" | "setInterval", Timer>;
  for (const name of ["setTimeout", "setInterval"] as const) {
    const original = slots[name];
    if (typeof original !== "function") continue;
    slots[name] = function (handler: unknown, timeout?: number, ...args: unknown[]): number {
      const context = timerContext();
      const callback = handler as (...args: unknown[]) => unknown;
      const carried = context === undefined || typeof handler !== "function"
        ? handler
        : context === null
        ? (...given: unknown[]) => runAsHost(callback, ...given)
        : (...given: unknown[]) => runAsPlugin(context, callback, ...given);
      // The host's own timers take this path too: no array is built for them.
      return args.length === 0
        ? original.call(globalThis, carried, timeout)
        : original.call(globalThis, carried, timeout, ...args);
    };
  }
}
