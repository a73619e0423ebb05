/**
 * Error text that crosses the boundary, cut to a size: the runtime cuts what
 * it sends, and the host cuts what it receives again, as a hostile runtime
 * may send anything.
 *
 * @module
 */
import type { WireError } from "./protocol.ts";

/** The most characters kept of a plugin error's `name`. */
export const MAX_ERROR_NAME = 256;
/** The most characters kept of a plugin error's `message`: 8 KiB. */
export const MAX_ERROR_MESSAGE = 8 * 1024;
/** The most characters kept of a plugin error's `stack`: 16 KiB. */
export const MAX_ERROR_STACK = 16 * 1024;

/**
 * `text` cut to at most `max` characters, ending in a marker
 * `… (N more characters)` when cut; the marker fits within `max`, so cutting
 * again changes nothing. A surrogate pair is never split.
 *
 * @param beyond How many characters were already cut off after `text`: the
 * marker counts them too, and is added even when `text` itself fits.
 */
export function capText(text: string, max: number, beyond = 0): string {
  if (text.length <= max && beyond === 0) return text;
  const total = text.length + beyond;
  // The marker's number is at most `total`, so its length is known up front.
  const room = max - marker(total).length;
  if (room <= 0) return text.slice(0, Math.max(0, max));
  let kept = Math.min(room, text.length);
  const last = text.charCodeAt(kept - 1);
  if (kept < text.length && last >= 0xd800 && last <= 0xdbff) kept--;
  return text.slice(0, kept) + marker(total - kept);
}

function marker(dropped: number): string {
  return `… (${dropped} more characters)`;
}

/**
 * `value` as an error with only a capped `name`, `message` and `stack` (and a
 * `size` when it is a finite count); any other field is dropped. With
 * `maxBytes`, the caps shrink so that the whole error fits in it.
 */
export function boundWireError(value: unknown, maxBytes = Infinity): WireError {
  const caps = capsWithin(maxBytes);
  if (!isErrorShaped(value)) {
    return { name: "Error", message: capText(describe(value), caps.message) };
  }
  const error: WireError = {
    name: capText(value.name, caps.name),
    message: capText(value.message, caps.message),
  };
  if (typeof value.stack === "string") error.stack = capText(value.stack, caps.stack);
  const size = value.size;
  if (typeof size === "number" && Number.isFinite(size) && size >= 0) error.size = size;
  return error;
}

function isErrorShaped(value: unknown): value is Record<string, unknown> & WireError {
  return typeof value === "object" && value !== null &&
    typeof (value as WireError).name === "string" &&
    typeof (value as WireError).message === "string";
}

/** Each field's cap: the defaults, or less when they would not fit in `maxBytes` together. */
function capsWithin(maxBytes: number): { name: number; message: number; stack: number } {
  const budget = Number.isFinite(maxBytes) ? Math.max(0, Math.floor(maxBytes)) : Infinity;
  return {
    name: Math.min(MAX_ERROR_NAME, Math.floor(budget / 8)),
    message: Math.min(MAX_ERROR_MESSAGE, Math.floor(budget / 2)),
    stack: Math.min(MAX_ERROR_STACK, Math.floor(budget / 4)),
  };
}

/**
 * A reply that should have been an error but is not: primitives as text, objects by their kind
 * only, since `String()` of a hostile array can throw or take seconds.
 */
function describe(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value !== "object" || value === null) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length} instead of an error`;
  return `${Object.prototype.toString.call(value)} instead of an error`;
}
