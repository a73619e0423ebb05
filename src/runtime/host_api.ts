/**
 * The plugin's side of host functions: `host.call("sum", [1, 2])` and
 * `host.lookup("sum")(1, 2)` in the SDK. A plugin may call only the host
 * functions its manifest lists (`"host": ["sum"]`) and the host provides on
 * its load; the runtime of each tier puts the way to reach them in a global
 * slot before any plugin code runs.
 *
 * @module
 */

/** Options of a host call. */
export interface HostCallOptions {
  /** Gives up on the call: its promise rejects with the signal's reason, and the host is told. */
  signal?: AbortSignal;
  /** Gives up after this many milliseconds, with a `HostCallTimeoutError`. */
  timeoutMs?: number;
}

/**
 * How the runtime reaches the host: one function per isolate (per plugin, in
 * the inline tier). `name` is a host function's name, or the reference id of
 * a callback or stream step the host passed to a call.
 */
export type HostCaller = (
  name: string | number,
  args: readonly unknown[],
  options: HostCallOptions | undefined,
) => Promise<unknown>;

/**
 * The slot the SDK reads the current {@linkcode HostCaller} from: a function
 * that returns it. Registered with `Symbol.for`, so that any copy of the SDK
 * finds it, and a function so that the inline tier can answer per plugin.
 */
export const HOST_SLOT: unique symbol = Symbol.for("sandplug.host") as never;

/**
 * A host function failed: the host function threw (the error's `name` and
 * `message` are the host's, nothing else crosses), or the host refused the
 * call (its arguments or result could not cross, or there were too many at once).
 *
 * @example Telling a host function's error apart
 * ```ts
 * import { HostCallError } from "@sandplug/host/plugin";
 * import assert from "node:assert/strict";
 *
 * const error = new HostCallError("RangeError", "key too long");
 * assert.ok(error instanceof HostCallError);
 * assert.equal(error.name, "RangeError");
 * assert.equal(error.message, "key too long");
 * ```
 */
export class HostCallError extends Error {
  /**
   * Makes the error the host's answer gave.
   *
   * @param name The error's name on the host side, e.g. `"RangeError"`.
   * @param message What the host said.
   */
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * The plugin called a host function it may not: one its manifest does not
 * list under `"host"`, or one the host did not provide on this load.
 *
 * @example Its name and message
 * ```ts
 * import { HostFunctionDeniedError } from "@sandplug/host/plugin";
 * import assert from "node:assert/strict";
 *
 * const error = new HostFunctionDeniedError("the plugin may not call \"rm\"");
 * assert.equal(error.name, "HostFunctionDeniedError");
 * ```
 */
export class HostFunctionDeniedError extends HostCallError {
  /**
   * Makes the error for a host function the plugin may not call.
   *
   * @param message Which function, and why.
   */
  constructor(message: string) {
    super("HostFunctionDeniedError", message);
  }
}

/**
 * A callback or stream the host passed to a call was used after that call
 * settled: it is valid only while the call runs.
 *
 * @example Its name
 * ```ts
 * import { CallbackExpiredError } from "@sandplug/host/plugin";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new CallbackExpiredError("too late").name, "CallbackExpiredError");
 * ```
 */
export class CallbackExpiredError extends HostCallError {
  /**
   * Makes the error for a callback or stream used after its call settled.
   *
   * @param message What was used, and when.
   */
  constructor(message: string) {
    super("CallbackExpiredError", message);
  }
}

/**
 * A host call did not answer within its `timeoutMs`; the message names the
 * deadline and the time the plugin waited, as measured.
 *
 * @example Its name and message
 * ```ts
 * import { HostCallTimeoutError } from "@sandplug/host/plugin";
 * import assert from "node:assert/strict";
 *
 * const error = new HostCallTimeoutError("sum", 50, 51.4);
 * assert.equal(error.name, "HostCallTimeoutError");
 * assert.match(error.message, /within 50 ms, its deadline: no answer after 51 ms/);
 * ```
 */
export class HostCallTimeoutError extends HostCallError {
  /**
   * Makes the error for a host call that missed its deadline.
   *
   * @param fn The host function called.
   * @param timeoutMs The deadline it missed.
   * @param elapsedMs How long after the call the plugin gave up on it, as measured.
   */
  constructor(fn: string, timeoutMs: number, elapsedMs?: number) {
    const after = elapsedMs === undefined ? "" : `: no answer after ${Math.round(elapsedMs)} ms`;
    super(
      "HostCallTimeoutError",
      `the host did not answer "${fn}" within ${timeoutMs} ms, its deadline${after}; ` +
        "pass a longer timeoutMs, or none",
    );
  }
}

/** A host function, as the plugin calls it. */
export type HostFunction<R = unknown> = (...args: unknown[]) => Promise<R>;

/** The host's functions, as plugin code reaches them. */
export interface Host {
  /**
   * Calls the host function `name` with `args`.
   *
   * @returns What it returned, as a copy.
   * @throws {HostFunctionDeniedError} When the plugin may not call it.
   * @throws {HostCallError} When it threw, or its arguments or result cannot cross.
   * @throws {HostCallTimeoutError} When `timeoutMs` passed first.
   */
  call<R = unknown>(
    name: string,
    args?: readonly unknown[],
    options?: HostCallOptions,
  ): Promise<R>;
  /** The host function `name` as an async function of its arguments. */
  lookup<R = unknown>(name: string): HostFunction<R>;
}

function callerNow(): HostCaller | undefined {
  const slot = (globalThis as Record<symbol, unknown>)[HOST_SLOT];
  return typeof slot === "function" ? (slot as () => HostCaller | undefined)() : undefined;
}

/**
 * The host's functions: the ones the manifest lists under `"host"` and the
 * host provides with `host.load(dir, { provide })`.
 *
 * @example A counter that keeps its sums on the host
 * ```ts
 * import { host } from "@sandplug/host/plugin";
 * import assert from "node:assert/strict";
 *
 * export async function put(value: number): Promise<number> {
 *   return await host.call<number>("sum", [1, value]);
 * }
 * // Outside a sandplug host there is no host to call.
 * await assert.rejects(put(2), /not running under a sandplug host/);
 * ```
 */
export const host: Host = Object.freeze({
  call<R>(name: string, args: readonly unknown[] = [], options?: HostCallOptions): Promise<R> {
    const caller = callerNow();
    if (caller === undefined) {
      return Promise.reject(
        new HostCallError(
          "Error",
          `cannot call host function "${name}": the plugin is not running under a sandplug host`,
        ),
      );
    }
    return caller(name, args, options) as Promise<R>;
  },
  lookup<R>(name: string): HostFunction<R> {
    return (...args: unknown[]) => host.call<R>(name, args);
  },
});

/**
 * Makes `caller` the isolate's way to the host, for the worker and process
 * tiers, where the isolate holds one plugin. Fixed for the isolate's life.
 */
export function installGlobalHost(caller: HostCaller): void {
  const current = () => caller;
  Object.defineProperty(globalThis, HOST_SLOT, {
    value: current,
    writable: false,
    configurable: false,
  });
}
