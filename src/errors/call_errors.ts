/**
 * The errors of using a loaded plugin: values that cannot cross the boundary,
 * and calls that fail, time out, or meet a closed or crashed plugin. Those of
 * looking a symbol up are in `lookup_errors.ts`.
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

/**
 * The plugin (or its host) was closed before or while the call ran.
 *
 * @example
 * ```ts
 * import { PluginClosedError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * assert.match(new PluginClosedError("greeter", "greet").message, /closed/);
 * ```
 */
export class PluginClosedError extends PluginError {
  /** Always "PLUGIN_CLOSED". */
  override readonly code = "PLUGIN_CLOSED";

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param what What could not be done, e.g. the symbol's name.
   */
  constructor(plugin: string, what: string) {
    super(`Cannot use "${what}": plugin "${plugin}" is closed; load it again with host.load()`, {
      plugin,
    });
    this.name = "PluginClosedError";
  }
}

/**
 * A call did not settle within its deadline.
 *
 * @example
 * ```ts
 * import { PluginTimeoutError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new PluginTimeoutError("greeter", "greet", 50);
 * assert.equal(error.timeoutMs, 50);
 * ```
 */
export class PluginTimeoutError extends PluginError {
  /** Always "PLUGIN_TIMEOUT". */
  override readonly code = "PLUGIN_TIMEOUT";
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param what The symbol or step that timed out.
   * @param timeoutMs The deadline that passed.
   * @param options The cause, e.g. the reason of an `AbortSignal.timeout()` signal.
   */
  constructor(
    plugin: string,
    what: string,
    timeoutMs: number,
    options: PluginErrorOptions = {},
  ) {
    super(
      `Plugin "${plugin}" did not answer "${what}" within ${timeoutMs} ms; ` +
        `raise the deadline with the call's timeoutMs option or createHost({ callTimeoutMs })`,
      { ...options, plugin },
    );
    this.name = "PluginTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The plugin's isolate ended while calls were pending or was found dead: it
 * threw outside a call, was terminated, or lost its channel.
 *
 * @example
 * ```ts
 * import { PluginCrashedError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new PluginCrashedError("greeter", "uncaught error: boom");
 * assert.equal(error.reason, "uncaught error: boom");
 * const unrun = new PluginCrashedError("greeter", "its process exited", { started: false });
 * assert.equal(unrun.started, false);
 * assert.match(unrun.message, /never ran, so it is safe to retry/);
 * ```
 */
export class PluginCrashedError extends PluginError {
  /** Always "PLUGIN_CRASHED". */
  override readonly code = "PLUGIN_CRASHED";
  /** Why the plugin ended. */
  readonly reason: string;
  /**
   * For a call that failed with it: whether plugin code started running it.
   * `false`: it never ran, and is safe to retry; `true`: it may have run
   * (calls run at most once); `undefined`: not about one call.
   */
  readonly started?: boolean;

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param reason Why the plugin ended.
   * @param options The cause; for an error that fails one call, whether it had started and how
   * long before it was sent.
   */
  constructor(
    plugin: string,
    reason: string,
    options: PluginErrorOptions & { started?: boolean; elapsedMs?: number } = {},
  ) {
    const { started, elapsedMs, ...rest } = options;
    const sent = elapsedMs === undefined ? "" : `, sent ${Math.round(elapsedMs)} ms before,`;
    const ran = started === undefined
      ? ""
      : started
      ? `; the call${sent} had started, and is not run again (calls run at most once)`
      : `; the call${sent} never ran, so it is safe to retry`;
    super(
      `Plugin "${plugin}" crashed: ${reason}${ran}; load it again with host.load(), or let the host ` +
        'restart it with the restart option (e.g. restart: "on-failure")',
      { ...rest, plugin },
    );
    this.name = "PluginCrashedError";
    this.reason = reason;
    if (started !== undefined) this.started = started;
  }
}
