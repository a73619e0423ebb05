import type { WireError } from "../protocol.ts";

// Deno colours some error messages (module load failures); colour codes are noise once they cross.
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Turns anything thrown into data that crosses the boundary: `{ name, message, stack }`. */
export function toWireError(thrown: unknown): WireError {
  if (thrown instanceof Error) {
    return {
      name: String(thrown.name),
      message: String(thrown.message).replace(ANSI, ""),
      stack: thrown.stack?.replace(ANSI, ""),
    };
  }
  let message: string;
  try {
    message = typeof thrown === "string" ? thrown : JSON.stringify(thrown) ?? String(thrown);
  } catch {
    message = Object.prototype.toString.call(thrown);
  }
  return { name: "Error", message: `non-Error value thrown: ${message}` };
}
