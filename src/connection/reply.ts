import type { WireError } from "../wire/protocol.ts";
import { PayloadTooLargeError, PluginCallError, ValidationError } from "../errors/call_errors.ts";
import { measure } from "../wire/payload.ts";
import { boundWireError, MAX_ERROR_MESSAGE } from "../wire/bounded_error.ts";
import { neutraliseText } from "../wire/log_text.ts";
import { CALL, type RequestTag, SET } from "../wire/records.ts";
import { valueProblem } from "../wire/value_check.ts";

/** The longest path kept of a result the runtime refused. */
const MAX_PATH_CHARS = 1024;

/** A permission plugin code tried and was refused. */
export interface Denial {
  /** The permission kind, e.g. `"net"`. */
  kind: string;
  /** The item, e.g. `"example.com:443"`, when Deno named one. */
  value: string | undefined;
  /** The symbol whose call was refused it, when known (not for a probe while the module loads). */
  symbol: string | undefined;
}

const DENIAL = /Requires (\w+) access(?: to "([^"]*)")?/;

/** The permission a refused call names in its error, as Deno words it ("Requires net access to …"). */
export function deniedIn(message: string, symbol: string): Denial | undefined {
  // Deno puts it at the start; a plugin's message may be megabytes long.
  const match = message.slice(0, MAX_ERROR_MESSAGE).match(DENIAL);
  return match === null ? undefined : { kind: match[1], value: match[2], symbol };
}

/** Whether a value from the plugin has the shape of an error as data. */
export function isWireError(value: unknown): value is WireError {
  return typeof value === "object" && value !== null &&
    typeof (value as WireError).name === "string" &&
    typeof (value as WireError).message === "string";
}

/** Finds which part of a request's payload (a call's arguments, a set's value) cannot be cloned, to name it. */
export function unclonablePath(tag: RequestTag, payload: unknown): string {
  const parts: [string, unknown][] = tag === CALL
    ? (payload as unknown[]).map((arg, index) => [`args[${index}]`, arg])
    : tag === SET
    ? [["value", payload]]
    : [];
  for (const [path, value] of parts) {
    // Checked before sending already; a getter may have changed its answer since.
    const problem = valueProblem(value, path);
    if (problem !== undefined) return problem.path;
    try {
      structuredClone(value);
    } catch {
      return path;
    }
  }
  return tag === SET ? "value" : "args";
}

/**
 * Why a result from the plugin may not reach the caller, or undefined when it
 * may: the host checks it as it arrives, as a hostile runtime may skip its own
 * checks.
 */
export function resultProblem(
  plugin: string,
  symbol: string,
  value: unknown,
  maxMessageBytes: number,
): PayloadTooLargeError | ValidationError | undefined {
  const { bytes, shared } = measure(value, maxMessageBytes);
  if (bytes > maxMessageBytes) {
    return new PayloadTooLargeError(plugin, symbol, "result", bytes, maxMessageBytes);
  }
  if (shared) {
    return new ValidationError(
      plugin,
      symbol,
      "result",
      "holds a SharedArrayBuffer, which would share memory with the plugin; return a copy",
    );
  }
  // What may cross is not walked again here: the runtime refused the rest before it answered
  // (`value_check.ts`), and the wire can carry only what structured clone makes. A hostile
  // worker-tier plugin posting its own messages could still send one of the platform objects
  // Deno clones (a Blob, a File, a DOMException, a CryptoKey), as it could send any wrong data.
  return undefined;
}

/**
 * An error reply from the plugin as the host keeps it, whatever arrived: only
 * `name`, `message`, `stack` and `size`, each string cut (256 characters,
 * 8 KiB, 16 KiB, with a "… (N more characters)" marker) and less when
 * `maxMessageBytes` is smaller, so that the whole error fits in it. A reply
 * that is not an error becomes one that says what it was.
 */
export function remoteError(value: unknown, maxMessageBytes?: number): WireError {
  const error = boundWireError(value, maxMessageBytes);
  const path = refusedPath(error, value);
  if (path !== undefined) error.path = path;
  return error;
}

/**
 * Where in its result the runtime found a value that cannot cross: the path of
 * a `ValidationError` reply, cut and made one safe line. Plugin code cannot
 * forge one: what it throws crosses as name, message and stack only.
 */
function refusedPath(error: WireError, value: unknown): string | undefined {
  if (error.name !== "ValidationError" || !isWireError(value)) return undefined;
  const path = value.path;
  if (typeof path !== "string" || !path.startsWith("result")) return undefined;
  return neutraliseText(path, MAX_PATH_CHARS);
}

/**
 * What a failed request rejects with: what plugin code threw, its result
 * being too large to send, or a `ValidationError` where the runtime refused
 * a part of its result that cannot cross alike in every tier. An error reply
 * over `maxMessageBytes` is not refused: it becomes a `PluginCallError` cut
 * to fit (see {@linkcode remoteError}), as the caller still needs to know the
 * plugin threw.
 */
export function callFailure(
  plugin: string,
  symbol: string,
  remote: unknown,
  maxMessageBytes: number,
): PayloadTooLargeError | PluginCallError | ValidationError {
  const error = remoteError(remote, maxMessageBytes);
  if (error.path !== undefined) {
    return new ValidationError(plugin, symbol, error.path, neutraliseText(error.message, Infinity));
  }
  return error.name === "PayloadTooLargeError" && error.size !== undefined
    ? new PayloadTooLargeError(plugin, symbol, "result", error.size, maxMessageBytes)
    : new PluginCallError(plugin, symbol, error);
}
