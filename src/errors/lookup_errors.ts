/**
 * The errors of looking a symbol up: a name the plugin does not export, or a
 * symbol used as a kind it is not.
 *
 * @module
 */
import { PluginError } from "./plugin_error.ts";

/**
 * `lookup()` or `call()` named a symbol the plugin does not export.
 *
 * @example The message lists what the plugin does export
 * ```ts
 * import { SymbolNotFoundError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new SymbolNotFoundError("greeter", "Greet", ["greet", "count"]);
 * assert.deepEqual(error.available, ["greet", "count"]);
 * assert.match(error.message, /exports: greet, count/);
 * ```
 */
export class SymbolNotFoundError extends PluginError {
  /** Always "SYMBOL_NOT_FOUND". */
  override readonly code = "SYMBOL_NOT_FOUND";
  /** The name that was looked up. */
  readonly symbol: string;
  /** The names the plugin does export. */
  readonly available: readonly string[];

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param symbol The name that was looked up.
   * @param available The names the plugin exports.
   */
  constructor(plugin: string, symbol: string, available: readonly string[]) {
    const exported = available.length
      ? `it exports: ${available.join(", ")}`
      : "it exports nothing";
    super(`Cannot find symbol "${symbol}" in plugin "${plugin}": ${exported}`, { plugin });
    this.name = "SymbolNotFoundError";
    this.symbol = symbol;
    this.available = available;
  }
}

/**
 * A symbol was used as a kind it is not: a variable called as a function, a
 * function read as a variable, or a constant written to.
 *
 * @example
 * ```ts
 * import { SymbolKindError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new SymbolKindError("greeter", "count", "function", "variable");
 * assert.equal(error.actual, "variable");
 * assert.match(error.message, /"count" .* is a variable, not a function/);
 * ```
 */
export class SymbolKindError extends PluginError {
  /** Always "SYMBOL_KIND". */
  override readonly code = "SYMBOL_KIND";
  /** The symbol's name. */
  readonly symbol: string;
  /** The kind the caller needed. */
  readonly expected: string;
  /** The kind the symbol is. */
  readonly actual: string;

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param symbol The symbol's name.
   * @param expected The kind the caller needed (`"function"`, `"variable"`, `"writable variable"`).
   * @param actual The kind the symbol is.
   */
  constructor(plugin: string, symbol: string, expected: string, actual: string) {
    super(
      `Cannot use symbol "${symbol}" of plugin "${plugin}" as a ${expected}: it is a ${actual}, not a ${expected}`,
      { plugin },
    );
    this.name = "SymbolKindError";
    this.symbol = symbol;
    this.expected = expected;
    this.actual = actual;
  }
}
