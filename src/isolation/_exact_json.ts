/**
 * JSON for the values it carries exactly, as the fast path of the process
 * tier's codec. `node:v8`'s serialiser costs about 10 µs even for a tiny
 * message, several times a whole JSON round trip; most messages (a call's
 * records with numbers and strings, a reply, a log line) are plain data that
 * JSON reproduces bit for bit. Anything else (`undefined`, `-0`, `NaN`,
 * `BigInt`, typed arrays, `Map`, `Date`, class instances, proxies, holes,
 * extra properties on arrays, deep or large values) makes the caller use
 * the structured-clone serialiser instead, so that both paths deliver the
 * same value.
 *
 * @module
 */
import { isProxy } from "node:util/types";

/** Values (containers and primitives) past which the walk gives up: big values gain little. */
const MAX_ITEMS = 1024;
/** String characters past which the walk gives up. */
const MAX_CHARS = 64 * 1024;
const MAX_DEPTH = 16;

interface Budget {
  items: number;
  chars: number;
}

/**
 * The JSON text of `value`, when `JSON.parse` of it gives back exactly what
 * a structured clone would; else undefined. Each property is read once, so
 * a getter cannot make the text differ from what was checked.
 */
export function exactJson(value: unknown): string | undefined {
  return write(value, { items: MAX_ITEMS, chars: MAX_CHARS }, 0);
}

function write(value: unknown, budget: Budget, depth: number): string | undefined {
  if (--budget.items < 0) return undefined;
  switch (typeof value) {
    case "string":
      budget.chars -= value.length;
      return budget.chars < 0 ? undefined : JSON.stringify(value);
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0) ? String(value) : undefined;
    case "boolean":
      return value ? "true" : "false";
    case "object":
      if (value === null) return "null";
      if (depth >= MAX_DEPTH || isProxy(value)) return undefined;
      return Array.isArray(value)
        ? writeArray(value, budget, depth)
        : writeObject(value as Record<string, unknown>, budget, depth);
    default:
      return undefined;
  }
}

function writeArray(array: unknown[], budget: Budget, depth: number): string | undefined {
  const length = array.length;
  // A hole or a named property survives a structured clone but not JSON.
  if (Object.getPrototypeOf(array) !== Array.prototype || Object.keys(array).length !== length) {
    return undefined;
  }
  let text = "[";
  for (let index = 0; index < length; index++) {
    const item = write(array[index], budget, depth + 1);
    if (item === undefined) return undefined;
    text += index === 0 ? item : `,${item}`;
  }
  return `${text}]`;
}

function writeObject(
  object: Record<string, unknown>,
  budget: Budget,
  depth: number,
): string | undefined {
  const prototype = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  let text = "{";
  for (const key of Object.keys(object)) {
    budget.chars -= key.length;
    const item = write(object[key], budget, depth + 1);
    if (item === undefined) return undefined;
    text += `${text.length === 1 ? "" : ","}${JSON.stringify(key)}:${item}`;
  }
  return `${text}}`;
}
