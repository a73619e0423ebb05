/**
 * The errors of the extension-point framework: a profile that does not fit
 * the points or the plugins in use, and a plugin that failed at a point.
 *
 * @module
 */
import { PluginError, type PluginErrorOptions } from "../errors/plugin_error.ts";

/** What a {@linkcode FrameworkProfileError} is about, where known. */
export interface FrameworkProfileErrorOptions extends PluginErrorOptions {
  /** The extension point the problem is at. */
  point?: string;
  /** The symbol of the plugin's `extends` map the problem is about. */
  symbol?: string;
}

/**
 * The profile does not fit the points or the plugins in use: a point it
 * names does not exist, a sort point has no plugin or more than one, a
 * plugin it lists is not in use, or a plugin's `extends` map names a point
 * or a symbol that does not exist. Thrown by `createFramework()`, `use()`
 * and `run()`; names the point, the plugin and the symbol where it can.
 *
 * @example Tell a profile error by its fields
 * ```ts
 * import { FrameworkProfileError, PluginError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new FrameworkProfileError("Cannot run \"filter\": no plugin", {
 *   point: "filter",
 *   plugin: "taints",
 * });
 * assert.ok(error instanceof PluginError);
 * assert.equal(error.code, "FRAMEWORK_PROFILE");
 * assert.deepEqual([error.point, error.plugin, error.symbol], ["filter", "taints", undefined]);
 * ```
 */
export class FrameworkProfileError extends PluginError {
  /** Always "FRAMEWORK_PROFILE". */
  override readonly code = "FRAMEWORK_PROFILE";
  /** The extension point the problem is at, if it is about one. */
  readonly point: string | undefined;
  /** The symbol of the plugin's `extends` map the problem is about, if any. */
  readonly symbol: string | undefined;

  /**
   * Makes the error.
   *
   * @param message What does not fit, the current value, and how to fix it.
   * @param options The point, the plugin, the symbol.
   */
  constructor(message: string, options: FrameworkProfileErrorOptions = {}) {
    super(message, options);
    this.name = "FrameworkProfileError";
    this.point = options.point;
    this.symbol = options.symbol;
  }
}

/** Where an {@linkcode ExtensionPointError} happened. */
export interface ExtensionPointErrorOptions {
  /** The error of the call: a `PluginCallError`, `PluginTimeoutError`, `PluginCrashedError`…, or a `TypeError` for a value of the wrong kind. */
  cause: unknown;
  /** The index, in the run's items, of the item the failed call was about. */
  index?: number;
}

/**
 * A plugin failed at an extension point: its function threw, timed out,
 * crashed its isolate, or returned a value of the wrong kind for the point.
 * With the point's `onError: "fail"` (the default) the run rejects with it;
 * with `"skip"` the plugin is left out of the run and the error is in the
 * result's `skips`. `cause` is the call's own error.
 *
 * @example Read which plugin failed, where
 * ```ts
 * import { ExtensionPointError, PluginError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new ExtensionPointError("score", "spread", "score", {
 *   cause: new Error("boom"),
 *   index: 3,
 * });
 * assert.ok(error instanceof PluginError);
 * assert.equal(error.code, "EXTENSION_POINT_FAILED");
 * assert.deepEqual([error.point, error.plugin, error.symbol, error.index], [
 *   "score",
 *   "spread",
 *   "score",
 *   3,
 * ]);
 * assert.match(error.message, /point "score": plugin "spread" failed on item 3: boom/);
 * ```
 */
export class ExtensionPointError extends PluginError {
  /** Always "EXTENSION_POINT_FAILED". */
  override readonly code = "EXTENSION_POINT_FAILED";
  /** The extension point the plugin failed at. */
  readonly point: string;
  /** The plugin's function that failed. */
  readonly symbol: string;
  /** The index of the item the failed call was about; `undefined` for a call about no one item. */
  readonly index: number | undefined;

  /**
   * Makes the error.
   *
   * @param point The extension point.
   * @param plugin The plugin's name, as the profile lists it.
   * @param symbol The plugin's function that failed.
   * @param options The call's error, and the item's index.
   */
  constructor(point: string, plugin: string, symbol: string, options: ExtensionPointErrorOptions) {
    const at = options.index === undefined ? "" : ` on item ${options.index}`;
    const cause = options.cause;
    let why = cause instanceof Error ? cause.message : String(cause);
    // A deadline at a point is the point's: the call's own advice names options a run has not.
    const timedOut = cause instanceof Error && cause.name === "PluginTimeoutError";
    if (timedOut) why = why.replace(/; raise the deadline with .*$/, "");
    const fix = timedOut
      ? `raise the point's deadline (e.g. point.filter({ timeoutMs })) or make "${symbol}" faster`
      : `fix its "${symbol}"`;
    super(
      `Cannot run point "${point}": plugin "${plugin}" failed${at}: ${why}; ${fix}, ` +
        `or give the point onError: "skip" to leave the plugin out`,
      { plugin, cause: options.cause },
    );
    this.name = "ExtensionPointError";
    this.point = point;
    this.symbol = symbol;
    this.index = options.index;
  }
}
