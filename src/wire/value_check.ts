/**
 * What may cross between the host and a plugin, checked alike in every tier
 * and on both sides: the host checks arguments and values before it sends
 * them, the runtime checks results before it answers, and the inline tier
 * checks both around its direct calls (where values still pass by reference).
 *
 * Structured clone (the worker tier) and `node:v8` (the process tier) do not
 * carry the same values: the latter turns a `Blob` into `{}`, and both turn a
 * class instance into a plain object. So a value crosses only when it is in
 * the set both carry identically: primitives but symbols (`-0`, `NaN` and
 * bigints included); plain objects (own enumerable string keys; a null
 * prototype arrives as `Object.prototype`) and arrays (holes and extra
 * properties kept), nested, shared and cyclic; `Map`, `Set`, `Date`,
 * `RegExp`, boxed primitives; `ArrayBuffer`, typed arrays and `DataView`; and
 * errors of the built-in types with their message, stack and cause. Anything
 * else is refused with where it is and how to fix it, never changed silently:
 * functions, symbols, proxies, class instances (subclasses of the built-ins
 * too), `Blob`/`File` (the process tier cannot read one while it sends),
 * streams, promises, weak collections, `SharedArrayBuffer`, detached buffers,
 * errors with another name or with properties of their own (a `code`), and
 * values nested deeper than {@linkcode MAX_VALUE_DEPTH}.
 *
 * The check runs on every call with an object in it, so it is cheap where it
 * can be: primitives are not looked into, plain records are walked by a
 * quick path (`value_quick.ts`), each object is visited once, and
 * the properties an array has beside its items are looked at only in arrays
 * of at most 64 items or with holes (listing the keys of a long dense array
 * costs more than copying it).
 *
 * @module
 */
import {
  isArrayBuffer,
  isBoxedPrimitive,
  isDataView,
  isDate,
  isMap,
  isNativeError,
  isProxy,
  isRegExp,
  isSet,
  isTypedArray,
} from "node:util/types";
import { RESTART, Seen } from "./seen_objects.ts";
import { quickVisit, TOO_DEEP } from "./value_quick.ts";
import { BOXED, ERROR_PROTOTYPES, TYPED_ARRAYS } from "./value_kinds.ts";
import {
  classProblem,
  errorName,
  inside,
  keySegment,
  pathOf,
  PLAIN_DATA,
  type Refusal,
  refuse,
  refuseBuffer,
  refuseError,
  shortText,
} from "./value_refusal.ts";

/** A value that may not cross, and where it is. */
export interface ValueProblem {
  /** Where in the arguments or result, e.g. `args[1].x` or `result.items[3]`. */
  path: string;
  /** What is there, e.g. `an instance of class Foo`. */
  found: string;
  /** How to fix it. */
  fix: string;
}

/** Values nest at most this deep: deeper ones are refused, not left to overflow a stack. */
export const MAX_VALUE_DEPTH = 1000;

/** Arrays up to this length are listed by key, which also finds their extra properties. */
const LISTED_ARRAY = 64;

let idle: Seen | undefined = new Seen();

/**
 * The first part of `value` that may not cross, or undefined when all of it
 * may. Reads what structured clone reads (so a getter runs); a cycle ends
 * where it leads back (`seen_objects.ts`).
 *
 * @param path Where `value` is: `args[0]`, `value` or `result`.
 */
export function valueProblem(value: unknown, path: string): ValueProblem | undefined {
  const kind = typeof value;
  if (kind !== "object" && kind !== "function" && kind !== "symbol") return undefined;
  if (value === null) return undefined;
  const seen = idle ?? new Seen();
  idle = undefined;
  let found: Refusal | undefined;
  try {
    found = walk(value, seen);
  } finally {
    seen.clear(); // holds no caller objects past the call
    idle = seen;
  }
  if (found === undefined) return undefined;
  return { path: path + pathOf(found.segments), found: found.found, fix: found.fix };
}

/**
 * Walks `value`: quickly through plain records; in full, remembering the way
 * down, when they nest deep; remembering every object once that took too long.
 */
function walk(value: unknown, seen: Seen): Refusal | undefined {
  try {
    return quickVisit(value, 0, seen, visit);
  } catch (error) {
    if (error === RESTART) return walkRemembering(value, seen);
    if (error !== TOO_DEEP) return threw(error);
  }
  seen.clear();
  try {
    return visit(value, 0, seen);
  } catch (error) {
    if (error !== RESTART) return threw(error);
  }
  return walkRemembering(value, seen);
}

/** Walks `value` remembering every object. */
function walkRemembering(value: unknown, seen: Seen): Refusal | undefined {
  seen.rememberAll();
  try {
    return visit(value, 0, seen);
  } catch (error) {
    return threw(error);
  }
}

function threw(error: unknown): Refusal {
  return refuse(`a value whose getter threw ${errorName(error)}`, PLAIN_DATA);
}

/**
 * The first argument of a call that may not cross, or undefined. Cheap for
 * primitives: only objects, functions and symbols are looked at further.
 *
 * @param from The first argument to look at: those before it were checked already.
 */
export function argsProblem(args: readonly unknown[], from = 0): ValueProblem | undefined {
  for (let index = from; index < args.length; index++) {
    const arg = args[index];
    const kind = typeof arg;
    if (kind === "object" ? arg === null : kind !== "function" && kind !== "symbol") continue;
    const problem = valueProblem(arg, `args[${index}]`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * The text a `ValidationError` gives for a value that may not cross.
 *
 * @param to Where it was going: `"plugin"` for arguments and values, `"host"` for results.
 */
export function refusalText(problem: ValueProblem, to: "plugin" | "host"): string {
  return `cannot be sent to the ${to}: it is ${problem.found}; ${problem.fix}`;
}

function visit(value: unknown, depth: number, seen: Seen): Refusal | undefined {
  switch (typeof value) {
    case "function":
      return refuse(
        "a function",
        "functions cannot cross; pass data, or export the function from the plugin",
      );
    case "symbol":
      return refuse("a symbol", "symbols cannot cross; pass a string");
    case "object":
      if (value === null || !seen.enter(value, depth)) return undefined;
      if (depth >= MAX_VALUE_DEPTH) {
        return refuse(`nested more than ${MAX_VALUE_DEPTH} levels deep`, "flatten it");
      }
      return visitObject(value, depth, seen);
    default:
      return undefined;
  }
}

function visitObject(value: object, depth: number, seen: Seen): Refusal | undefined {
  // Before anything that would run a trap.
  if (isProxy(value)) return refuse("a Proxy", "pass the plain data it wraps");
  const proto = Object.getPrototypeOf(value);
  // Not asked of each object, at about 130 ns: whether it is a built-in whose prototype was
  // replaced (Object.setPrototypeOf(map, Object.prototype)), which a copy sends as what it is.
  if (proto === Object.prototype || proto === null) return visitRecord(value, depth, seen);
  if (proto === Array.prototype && Array.isArray(value)) {
    const items = value as unknown[];
    return items.length <= LISTED_ARRAY
      ? visitKeys(items, Object.keys(items), 0, depth, seen)
      : visitItems(items, depth, seen);
  }
  if (proto === Map.prototype && isMap(value)) {
    return visitMap(value as Map<unknown, unknown>, depth, seen);
  }
  if (proto === Set.prototype && isSet(value)) {
    return visitSet(value as Set<unknown>, depth, seen);
  }
  if (ERROR_PROTOTYPES.has(proto) && isNativeError(value)) {
    const refused = refuseError(value as Error, proto);
    if (refused !== undefined || !Object.hasOwn(value, "cause")) return refused;
    return inside(visit((value as Error).cause, depth + 1, seen), ".cause");
  }
  if (proto === ArrayBuffer.prototype && isArrayBuffer(value)) return refuseBuffer(value);
  if (
    (TYPED_ARRAYS.has(proto) && isTypedArray(value)) ||
    (proto === DataView.prototype && isDataView(value))
  ) {
    return refuseBuffer((value as ArrayBufferView).buffer);
  }
  if (
    (proto === Date.prototype && isDate(value)) ||
    (proto === RegExp.prototype && isRegExp(value)) ||
    (BOXED.has(proto) && isBoxedPrimitive(value))
  ) return undefined;
  return classProblem(value, proto);
}

/** A plain object: what `for…in` lists is its own enumerable string keys (its prototype has none). */
function visitRecord(record: object, depth: number, seen: Seen): Refusal | undefined {
  for (const key in record) {
    const item = (record as Record<string, unknown>)[key];
    if (isPrimitive(item)) continue;
    const found = visit(item, depth + 1, seen);
    if (found !== undefined) return inside(found, keySegment(key, false));
  }
  return undefined;
}

/** Some of an object's keys, from `start`: an array's, or a record's. */
function visitKeys(
  record: object,
  keys: string[],
  start: number,
  depth: number,
  seen: Seen,
): Refusal | undefined {
  for (let index = start; index < keys.length; index++) {
    const item = (record as Record<string, unknown>)[keys[index]];
    if (isPrimitive(item)) continue;
    const found = visit(item, depth + 1, seen);
    if (found !== undefined) return inside(found, keySegment(keys[index], true));
  }
  return undefined;
}

/** A long array by index; at its first hole (a sparse array), by its keys instead. */
function visitItems(items: unknown[], depth: number, seen: Seen): Refusal | undefined {
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    if (item === undefined && !(index in items)) {
      return visitKeys(items, Object.keys(items), 0, depth, seen);
    }
    if (isPrimitive(item)) continue;
    const found = visit(item, depth + 1, seen);
    if (found !== undefined) return inside(found, `[${index}]`);
  }
  return undefined;
}

function visitMap(map: Map<unknown, unknown>, depth: number, seen: Seen): Refusal | undefined {
  let found: Refusal | undefined;
  let index = 0;
  // forEach rather than for…of: no [key, value] array made for each entry.
  map.forEach((entry, key) => {
    if (found !== undefined) return;
    found = inside(visit(key, depth + 1, seen), `.keys()[${index}]`);
    if (found === undefined) {
      const named = typeof key === "string" || typeof key === "number";
      found = inside(
        visit(entry, depth + 1, seen),
        named ? `.get(${shortText(key)})` : `.values()[${index}]`,
      );
    }
    index++;
  });
  return found;
}

function visitSet(set: Set<unknown>, depth: number, seen: Seen): Refusal | undefined {
  let found: Refusal | undefined;
  let index = 0;
  set.forEach((member) => {
    if (found === undefined) found = inside(visit(member, depth + 1, seen), `.values()[${index}]`);
    index++;
  });
  return found;
}

function isPrimitive(value: unknown): boolean {
  const kind = typeof value;
  return kind === "object" ? value === null : kind !== "function" && kind !== "symbol";
}
