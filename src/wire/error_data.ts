import type { WireError } from "./protocol.ts";
import { boundWireError, capText, MAX_ERROR_MESSAGE, MAX_ERROR_STACK } from "./bounded_error.ts";
import { measure } from "./payload.ts";

// Deno colours some error messages (module load failures); colour codes are noise once they cross.
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * Turns anything thrown into data that crosses the boundary: `{ name, message, stack }`,
 * each cut to its cap (`_bounded_error.ts`). Never throws, whatever plugin code threw: its
 * getters and `toJSON` may throw, and a huge value would stall the plugin's replies.
 */
export function toWireError(thrown: unknown): WireError {
  try {
    return boundWireError(thrown instanceof Error ? fromError(thrown) : fromValue(thrown));
  } catch {
    return { name: "Error", message: "plugin code threw a value that cannot be described" };
  }
}

function fromError(thrown: Error): WireError {
  const stack = thrown.stack;
  // Cut before cleaning, so that a huge message costs no more than the cap.
  return {
    name: String(thrown.name),
    message: capText(String(thrown.message), MAX_ERROR_MESSAGE).replace(ANSI, ""),
    stack: typeof stack === "string"
      ? capText(stack, MAX_ERROR_STACK).replace(ANSI, "")
      : undefined,
  };
}

function fromValue(thrown: unknown): WireError {
  let message: string;
  try {
    // JSON.stringify walks the whole value: only a value that fits the message cap is worth it.
    message = typeof thrown === "string"
      ? thrown
      : measure(thrown, MAX_ERROR_MESSAGE).bytes > MAX_ERROR_MESSAGE
      ? Object.prototype.toString.call(thrown)
      : JSON.stringify(thrown) ?? String(thrown);
  } catch {
    message = Object.prototype.toString.call(thrown);
  }
  return { name: "Error", message: `non-Error value thrown: ${message}` };
}
