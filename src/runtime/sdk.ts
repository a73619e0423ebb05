/**
 * The plugin author's SDK: `import { variable } from "@sandplug/host/plugin"`.
 * Plain exported functions and constants need nothing from here; an exported
 * variable that the host may read and write is made with {@linkcode variable}.
 *
 * @example A plugin module
 * ```ts
 * import { variable } from "@sandplug/host/plugin";
 * import assert from "node:assert/strict";
 *
 * export const PluginInputNumber = variable(0);
 * export function KnownPluginFunction(): string {
 *   return `My custom code prints PluginInputNumber: ${PluginInputNumber.value}`;
 * }
 *
 * PluginInputNumber.value = 7;
 * assert.equal(KnownPluginFunction(), "My custom code prints PluginInputNumber: 7");
 * ```
 *
 * @module
 */
export { transfer } from "../wire/transfer.ts";
export {
  CallbackExpiredError,
  type Host,
  host,
  HostCallError,
  type HostCallOptions,
  HostCallTimeoutError,
  type HostFunction,
  HostFunctionDeniedError,
} from "./host_api.ts";

/**
 * The brand that marks a variable. Registered with `Symbol.for` so that two
 * copies of the SDK agree on it.
 */
const VARIABLE_BRAND: unique symbol = Symbol.for("sandplug.variable") as never;

/**
 * An exported variable of a plugin. Plugin code reads and writes `.value`; the
 * host reads and writes it through `lookup(name).get()` and `.set(v)`.
 */
export interface PluginVariable<T> {
  /** The current value. */
  value: T;
  // The brand that marks it stays out of the type: VARIABLE_BRAND is private, and
  // what tells a variable apart is the runtime check in isVariable(), not the type.
}

/**
 * Makes an exported variable that the host can read and write.
 *
 * @param initial The value the variable starts with (and returns to when the plugin restarts).
 * @returns An object whose `.value` holds the current value.
 *
 * @example
 * ```ts
 * import { variable } from "@sandplug/host/plugin";
 * import assert from "node:assert/strict";
 *
 * const counter = variable(0);
 * counter.value += 1;
 * assert.equal(counter.value, 1);
 * ```
 */
export function variable<T>(initial: T): PluginVariable<T> {
  return Object.seal({ value: initial, [VARIABLE_BRAND]: true as const });
}

/**
 * Whether a value was made by {@linkcode variable}, by any copy of the SDK.
 *
 * @param value Any value.
 * @returns `true` for a plugin variable.
 *
 * @example
 * ```ts
 * import { isVariable, variable } from "@sandplug/host/plugin";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isVariable(variable("x")));
 * assert.ok(!isVariable({ value: "x" }));
 * ```
 */
export function isVariable(value: unknown): value is PluginVariable<unknown> {
  return typeof value === "object" && value !== null &&
    (value as Record<symbol, unknown>)[VARIABLE_BRAND] === true;
}

/** Where the runtime puts the signal of the call being started; shared by every copy of the SDK. */
const CALL_SIGNAL: unique symbol = Symbol.for("sandplug.callSignal") as never;

/**
 * The `AbortSignal` of the call running now: it aborts when the host gives up
 * on the call (its deadline passed or its caller aborted). Read it at the start
 * of an exported function, before the first `await`, and pass it on to what
 * can be cancelled.
 *
 * @returns The current call's signal.
 * @throws {TypeError} When no call is starting (outside an exported function, or after its first `await`).
 *
 * @example Stop work the host no longer waits for
 * ```ts
 * import { callSignal } from "@sandplug/host/plugin";
 *
 * export async function slowSum(values: number[]): Promise<number> {
 *   const signal = callSignal();
 *   let sum = 0;
 *   for (const value of values) {
 *     signal.throwIfAborted();
 *     sum += value;
 *     await new Promise((resolve) => setTimeout(resolve, 1));
 *   }
 *   return sum;
 * }
 * ```
 */
export function callSignal(): AbortSignal {
  const source = (globalThis as Record<symbol, unknown>)[CALL_SIGNAL];
  const signal = typeof source === "function" ? source() : undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError(
      "Cannot get the call's signal: no call is starting; call callSignal() at the start of an exported " +
        "function, before its first await",
    );
  }
  return signal;
}
