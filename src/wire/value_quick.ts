/**
 * The quick part of the walk of `value_check.ts`: plain records, the most
 * common objects in arguments and results, nested a few levels deep. Each
 * costs what cannot be skipped (is it a proxy, what is its prototype, its
 * keys) and nothing more: no entry on the way down, no dispatch on its kind.
 * Whatever else it meets (an array, a `Map`, a class instance, a proxy)
 * goes to the full walk from there. Records nested deeper than
 * {@linkcode QUICK_DEPTH}, which is also where a cycle through plain
 * records leads, start the walk again as a full one from the top: it ends
 * the cycle where it leads back, and names the shortest way to what it
 * finds. Records it walks count toward the full walk's bound on visits, so
 * that a record holding the next one many times over still restarts the
 * walk with every object remembered.
 *
 * @module
 */
import { isProxy } from "node:util/types";
import type { Seen } from "./seen_objects.ts";
import { inside, keySegment, type Refusal } from "./value_refusal.ts";

/** How deep the quick walk goes before the walk starts again as a full one. */
export const QUICK_DEPTH = 16;

/** Thrown by {@linkcode quickVisit} past {@linkcode QUICK_DEPTH}: start again with the full walk. */
export const TOO_DEEP: unique symbol = Symbol("walk again in full");

/** The full walk of one value at a depth, as `value_check.ts` makes it. */
export type FullVisit = (value: unknown, depth: number, seen: Seen) => Refusal | undefined;

/**
 * The first part of `value`, met at `depth`, that may not cross: through
 * plain records quickly, through anything else by `full`.
 *
 * @throws {typeof RESTART} From `seen`, past its bound on visits.
 * @throws {typeof TOO_DEEP} For a plain record deeper than {@linkcode QUICK_DEPTH}.
 */
export function quickVisit(
  value: unknown,
  depth: number,
  seen: Seen,
  full: FullVisit,
): Refusal | undefined {
  if (typeof value !== "object" || value === null) return full(value, depth, seen);
  // Before anything that would run a trap.
  if (isProxy(value)) return full(value, depth, seen);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return full(value, depth, seen);
  if (depth >= QUICK_DEPTH) throw TOO_DEEP;
  seen.tally();
  // What for…in lists of a plain record is its own enumerable string keys.
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    const kind = typeof item;
    if (kind === "object" ? item === null : kind !== "function" && kind !== "symbol") continue;
    const found = quickVisit(item, depth + 1, seen, full);
    if (found !== undefined) return inside(found, keySegment(key, false));
  }
  return undefined;
}
