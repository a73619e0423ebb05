/**
 * Marking values whose buffers should move across the boundary instead of
 * being copied. Shared by the host and the plugin SDK.
 *
 * @module
 */

const marked = new WeakMap<object, Transferable[]>();

/**
 * Marks a value so that the listed buffers move to the other side instead of
 * being copied: a 64 MiB `ArrayBuffer` crosses in well under a millisecond
 * instead of about a hundred. The sender's buffers are detached afterwards.
 * Works for a call's top-level arguments (host side) and a function's result
 * (plugin side) in the worker tier; the process tier copies (a pipe cannot
 * move memory), and the inline tier passes values by reference anyway.
 *
 * @param value The argument or result; an object (a buffer, a view, or an object holding them).
 * @param transferables The buffers to move, e.g. `[buffer]`.
 * @returns `value` itself, marked.
 * @throws {TypeError} When `value` is not an object.
 *
 * @example Move a buffer to a plugin and back
 * ```ts
 * import { transfer } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const buffer = new ArrayBuffer(1024);
 * assert.equal(transfer(buffer, [buffer]), buffer); // pass it to p.call("echo", [...]) to move it
 * ```
 */
export function transfer<T>(value: T, transferables: Transferable[]): T {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `Cannot mark a value for transfer: it must be an object; current value is ${String(value)}`,
    );
  }
  if (!Array.isArray(transferables)) {
    throw new TypeError(
      "Cannot mark a value for transfer: pass the buffers to move as a list, e.g. [buffer]",
    );
  }
  marked.set(value, transferables);
  return value;
}

/** The buffers marked on these values (and unmarks them), or undefined when none is. */
export function takeTransfers(values: readonly unknown[]): Transferable[] | undefined {
  let list: Transferable[] | undefined;
  for (const value of values) {
    if (typeof value !== "object" || value === null) continue;
    const transferables = marked.get(value);
    if (transferables === undefined) continue;
    marked.delete(value);
    (list ??= []).push(...transferables);
  }
  return list;
}
