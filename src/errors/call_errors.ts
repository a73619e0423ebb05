/**
 * The errors of using a loaded plugin: values that cannot cross the boundary,
 * and calls that fail in plugin code. Those of calls left unanswered (closed,
 * timed out, crashed) are in `unanswered_errors.ts`; those of looking a symbol
 * up in `lookup_errors.ts`.
 *
 * @module
 */
import { PluginError, type PluginErrorOptions } from "./plugin_error.ts";
import {
  capText,
  MAX_ERROR_MESSAGE,
  MAX_ERROR_NAME,
  MAX_ERROR_STACK,
} from "../wire/bounded_error.ts";
import { neutraliseText } from "../wire/log_text.ts";

/**
 * A value crossing the boundary does not match the contract's schema, or
 * cannot be sent at all (for example a function).
 *
 * @example
 * ```ts
 * import { ValidationError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new ValidationError("greeter", "greet", "args[0]", "expected string, received number");
 * assert.equal(error.path, "args[0]");
 * assert.match(error.message, /greet.*args\[0\]: expected string/);
 * ```
 */
export class ValidationError extends PluginError {
  /** Always "VALIDATION_FAILED". */
  override readonly code = "VALIDATION_FAILED";
  /** The symbol whose value failed. */
  readonly symbol: string;
  /** Where in the value: `args[0].name`, `result`, `value`. */
  readonly path: string;

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param symbol The symbol whose value failed.
   * @param path Where in the value the problem is.
   * @param problem What is wrong there.
   * @param options The cause.
   */
  constructor(
    plugin: string,
    symbol: string,
    path: string,
    problem: string,
    options: PluginErrorOptions = {},
  ) {
    super(`Invalid value for "${symbol}" of plugin "${plugin}" at ${path}: ${problem}`, {
      ...options,
      plugin,
    });
    this.name = "ValidationError";
    this.symbol = symbol;
    this.path = path;
  }
}

/**
 * Plugin code threw (or rejected). The plugin stays usable; the remote
 * error's name, message and stack are kept, cut to 256 characters, 8 KiB and
 * 16 KiB (less when the host's `maxMessageBytes` is smaller) with a
 * "… (N more characters)" marker, as they are text from the plugin.
 *
 * @example
 * ```ts
 * import { PluginCallError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new PluginCallError("greeter", "greet", { name: "RangeError", message: "too long" });
 * assert.equal(error.remoteName, "RangeError");
 * assert.equal(error.message, 'Plugin "greeter" threw from "greet": RangeError: too long');
 * ```
 */
export class PluginCallError extends PluginError {
  /** Always "PLUGIN_THREW". */
  override readonly code = "PLUGIN_THREW";
  /** The symbol that was called. */
  readonly symbol: string;
  /** The name of the error the plugin threw. */
  readonly remoteName: string;
  /** The message of the error the plugin threw. */
  readonly remoteMessage: string;
  /** The stack of the error the plugin threw, if it had one. */
  readonly remoteStack: string | undefined;

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param symbol The symbol that was called.
   * @param remote The error as the plugin threw it: its `name`, `message` and `stack`.
   */
  constructor(
    plugin: string,
    symbol: string,
    // Written out rather than named: it is the wire's error data (WireError),
    // which is no part of the public surface.
    remote: { readonly name: string; readonly message: string; readonly stack?: string },
  ) {
    const name = capText(String(remote.name), MAX_ERROR_NAME);
    const message = capText(String(remote.message), MAX_ERROR_MESSAGE);
    super(
      `Plugin "${plugin}" threw from "${symbol}": ${
        neutraliseText(`${name}: ${message}`, Infinity)
      }`,
      {
        plugin,
      },
    );
    this.name = "PluginCallError";
    this.symbol = symbol;
    this.remoteName = name;
    this.remoteMessage = message;
    this.remoteStack = typeof remote.stack === "string"
      ? capText(remote.stack, MAX_ERROR_STACK)
      : undefined;
  }
}

/**
 * A call's arguments or result are larger than the host's `maxMessageBytes`.
 * Nothing was sent (or the reply was dropped); the plugin stays usable.
 *
 * @example
 * ```ts
 * import { PayloadTooLargeError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new PayloadTooLargeError("p", "upload", "arguments", 2048, 1024);
 * assert.equal(error.limit, 1024);
 * assert.match(error.message, /arguments of "upload" take about 2048 bytes, over the limit of 1024/);
 * ```
 */
export class PayloadTooLargeError extends PluginError {
  /** Always "PAYLOAD_TOO_LARGE". */
  override readonly code = "PAYLOAD_TOO_LARGE";
  /** The symbol whose arguments or result were too large. */
  readonly symbol: string;
  /** About how many bytes the payload takes, as far as it was counted. */
  readonly size: number;
  /** The host's `maxMessageBytes`. */
  readonly limit: number;

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param symbol The symbol that was called, read or written.
   * @param what `"arguments"`, `"value"` or `"result"`.
   * @param size About how many bytes it takes.
   * @param limit The host's `maxMessageBytes`.
   */
  constructor(plugin: string, symbol: string, what: string, size: number, limit: number) {
    super(
      `Cannot pass a message to or from plugin "${plugin}": the ${what} of "${symbol}" take about ${size} bytes, ` +
        `over the limit of ${limit}; send less, or raise createHost({ maxMessageBytes })`,
      { plugin },
    );
    this.name = "PayloadTooLargeError";
    this.symbol = symbol;
    this.size = size;
    this.limit = limit;
  }
}
