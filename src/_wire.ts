import type { WireError } from "./protocol.ts";
import { PayloadTooLargeError, PluginCallError, ValidationError } from "./call_errors.ts";
import { measure } from "./_payload.ts";
import { CALL, type RequestTag, SET } from "./_records.ts";

/** A permission plugin code tried and was refused. */
export interface Denial {
  /** The permission kind, e.g. `"net"`. */
  kind: string;
  /** The item, e.g. `"example.com:443"`, when Deno named one. */
  value: string | undefined;
  /** The symbol whose call was refused it. */
  symbol: string;
}

const DENIAL = /Requires (\w+) access(?: to "([^"]*)")?/;

/** The permission a refused call names in its error, as Deno words it ("Requires net access to …"). */
export function deniedIn(message: string, symbol: string): Denial | undefined {
  const match = message.match(DENIAL);
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
  return undefined;
}

/** What a failed request rejects with: what plugin code threw, or its result being too large to send. */
export function callFailure(
  plugin: string,
  symbol: string,
  remote: WireError,
  maxMessageBytes: number,
): PayloadTooLargeError | PluginCallError {
  return remote.name === "PayloadTooLargeError" && typeof remote.size === "number"
    ? new PayloadTooLargeError(plugin, symbol, "result", remote.size, maxMessageBytes)
    : new PluginCallError(plugin, symbol, remote);
}
