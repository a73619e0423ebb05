/**
 * The base class of every error sandplug raises about a plugin, and the union
 * of their codes.
 *
 * @module
 */

/**
 * The `code` of every {@linkcode PluginError} sandplug raises, one per error
 * class. A `switch (error.code)` over it is checked by the compiler: a
 * misspelt case is an error, and a `never` default finds a case left out.
 *
 * @example Handle errors by code
 * ```ts
 * import { PluginError, type PluginErrorCode, SymbolNotFoundError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * function advice(code: PluginErrorCode): string {
 *   switch (code) {
 *     case "SYMBOL_NOT_FOUND":
 *     case "SYMBOL_KIND":
 *       return "check the symbol's name and kind";
 *     case "PLUGIN_TIMEOUT":
 *       return "retry with a longer deadline";
 *     default:
 *       return "report it";
 *   }
 * }
 *
 * const error: PluginError = new SymbolNotFoundError("greeter", "Greet", ["greet"]);
 * assert.equal(advice(error.code), "check the symbol's name and kind");
 * ```
 */
export type PluginErrorCode =
  // The base class, for an error no subclass describes.
  | "PLUGIN_ERROR"
  // Loading a plugin.
  | "MANIFEST_INVALID"
  | "PERMISSION_DENIED"
  | "IMPORT_DENIED"
  | "INCOMPATIBLE_PLUGIN"
  | "LOAD_FAILED"
  // Reloading and verifying a plugin.
  | "UPGRADE_REFUSED"
  | "INTEGRITY_MISMATCH"
  | "LOCK_FILE_INVALID"
  // The host itself: its Deno flags, its terminal, its state.
  | "UNSTABLE_FLAG_MISSING"
  | "PERMISSION_PROMPT_POSSIBLE"
  | "HOST_CLOSED"
  // Using a loaded plugin.
  | "SYMBOL_NOT_FOUND"
  | "SYMBOL_KIND"
  | "VALIDATION_FAILED"
  | "PLUGIN_THREW"
  | "PAYLOAD_TOO_LARGE"
  | "PLUGIN_CLOSED"
  | "PLUGIN_TIMEOUT"
  | "PLUGIN_CRASHED"
  // Running extension points.
  | "FRAMEWORK_PROFILE"
  | "EXTENSION_POINT_FAILED";

/** Options shared by every {@linkcode PluginError} constructor. */
export interface PluginErrorOptions {
  /** The name of the plugin the error is about, when known. */
  plugin?: string;
  /** The error that caused this one. */
  cause?: unknown;
}

/**
 * The base class of every error sandplug raises about a plugin.
 *
 * @example Catch any sandplug error
 * ```ts
 * import { PluginError, SymbolNotFoundError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new SymbolNotFoundError("greeter", "Greet", ["Hello"]);
 * assert.ok(error instanceof PluginError);
 * assert.equal(error.plugin, "greeter");
 * assert.equal(error.code, "SYMBOL_NOT_FOUND");
 * ```
 */
export class PluginError extends Error {
  /** A stable, machine-readable identifier of the error class. */
  readonly code: PluginErrorCode = "PLUGIN_ERROR";
  /** The name of the plugin the error is about, if known. */
  readonly plugin: string | undefined;

  /**
   * Makes the error.
   *
   * @param message What failed, the current value, and how to fix it.
   * @param options The plugin's name and the cause.
   */
  constructor(message: string, options: PluginErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PluginError";
    this.plugin = options.plugin;
  }
}
