/**
 * The words of `value_check.ts` for what it refuses: what an object outside
 * the set is (`a Blob`, `an instance of class Foo`), and how to send what it
 * holds instead.
 *
 * @module
 */
import { isSharedArrayBuffer } from "node:util/types";

/** A refused part of a value: its path segments (innermost first), what it is, and the fix. */
export interface Refusal {
  segments: string[];
  found: string;
  fix: string;
}

/** The fix for most objects outside the set. */
export const PLAIN_DATA =
  "pass plain data (an object literal or an array), e.g. what its toJSON() returns";
/** Keys and names shown are cut to this many characters. */
export const MAX_SHOWN_CHARS = 64;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const INDEX = /^(0|[1-9]\d*)$/;
/** Paths longer than this many steps keep their first and last halves of it. */
const MAX_PATH_SEGMENTS = 32;
/** The own properties an error of a built-in type may have: all that structured clone carries. */
const ERROR_KEYS = new Set(["message", "stack", "cause"]);
const ERROR_FIX = "an error crosses with only its type, message, stack and cause; " +
  "pass plain data such as { name, message, code } instead";

/**
 * Why an error of a built-in type cannot cross, or undefined when it can: a
 * `name` of its own other than its type's, or another property of its own,
 * would not arrive.
 */
export function refuseError(error: Error, proto: object): Refusal | undefined {
  const type = (proto as Error).name;
  for (const key of Object.getOwnPropertyNames(error)) {
    if (ERROR_KEYS.has(key) || (key === "name" && error.name === type)) continue;
    const found = key === "name"
      ? `${article(type)} ${type} named ${shortText(String(error.name))}`
      : `${article(type)} ${type} with its own property ${shortText(key)}`;
    return { segments: [], found, fix: ERROR_FIX };
  }
  return undefined;
}

/** An object of a class outside the set: named, with the fix that fits it. */
export function classProblem(value: object, proto: object | null): Refusal {
  const name = className(proto);
  const global = name === undefined ? undefined : (globalThis as Record<string, unknown>)[name];
  const builtIn = name !== undefined && typeof global === "function" &&
    global.prototype === proto;
  const found = builtIn
    ? `${article(name)} ${name}`
    : name === undefined
    ? "an object with a prototype of its own"
    : `an instance of class ${name}`;
  return { segments: [], found, fix: builtIn ? builtInFix(name) : classFix(value) };
}

function builtInFix(name: string): string {
  if (name === "Blob" || name === "File") {
    return "pass its bytes and type instead (await blob.bytes(), blob.type): " +
      "the process tier cannot read a Blob while it sends";
  }
  if (name.endsWith("Stream")) {
    return "a stream crosses only as a whole argument of a call (the plugin reads it as an " +
      "async iterable) or as what a function read with p.stream() returns; read it first " +
      "to send its contents, e.g. await new Response(stream).bytes()";
  }
  if (name === "Promise") return "await it first, and pass what it resolves to";
  if (name.startsWith("Weak") || name === "FinalizationRegistry") {
    return "its contents cannot be listed; pass a Map, a Set or an array";
  }
  if (name === "DOMException" || name === "AggregateError") return ERROR_FIX;
  return PLAIN_DATA;
}

function classFix(value: object): string {
  return value instanceof Error
    ? "only Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError and URIError " +
      "cross; pass plain data such as { name, message }"
    : PLAIN_DATA;
}

/** The name of the class whose prototype `proto` is, read without running getters. */
function className(proto: object | null): string | undefined {
  if (proto === null) return undefined;
  const constructor = Object.getOwnPropertyDescriptor(proto, "constructor")?.value;
  if (typeof constructor !== "function") return undefined;
  const name = Object.getOwnPropertyDescriptor(constructor, "name")?.value;
  return typeof name === "string" && IDENTIFIER.test(name) && name.length <= MAX_SHOWN_CHARS
    ? name
    : undefined;
}

/** "an" before a vowel sound: `an Error`, but `a URL` and `a Uint8Array`. */
function article(word: string): string {
  return /^[AEIO]/.test(word) ? "an" : "a";
}

/** A primitive as short, escaped text (strings quoted and cut), so that a path stays one safe line. */
export function shortText(value: unknown): string {
  if (typeof value !== "string") return String(value);
  const cut = value.length > MAX_SHOWN_CHARS ? value.slice(0, MAX_SHOWN_CHARS) + "…" : value;
  return JSON.stringify(cut);
}

/** Segments (innermost first) as a path; a long one keeps its ends, and counts what it leaves out. */
export function pathOf(segments: string[]): string {
  const outermost = segments.toReversed();
  if (outermost.length <= MAX_PATH_SEGMENTS) return outermost.join("");
  const end = MAX_PATH_SEGMENTS / 2;
  return outermost.slice(0, end).join("") + `…(${outermost.length - 2 * end} more)…` +
    outermost.slice(-end).join("");
}

/** A refusal at the place the walk is. */
export function refuse(found: string, fix: string): Refusal {
  return { segments: [], found, fix };
}

/** `found` (if any) one level further in, at `segment`. */
export function inside(found: Refusal | undefined, segment: string): Refusal | undefined {
  found?.segments.push(segment);
  return found;
}

/** A key as a path segment: `.name`, `[3]`, or `["odd key"]` (escaped, so a path is one safe line). */
export function keySegment(key: string, array: boolean): string {
  if (array && INDEX.test(key)) return `[${key}]`;
  return IDENTIFIER.test(key) && key.length <= MAX_SHOWN_CHARS ? `.${key}` : `[${shortText(key)}]`;
}

/** What a getter threw, by name only: its message is the plugin's text. */
export function errorName(error: unknown): string {
  try {
    return error instanceof Error ? `a ${shortText(String(error.name))}` : "a non-Error value";
  } catch {
    return "an error that cannot be described";
  }
}

/** The refusal of a buffer that cannot cross (shared or detached), else undefined. */
export function refuseBuffer(buffer: ArrayBufferLike): Refusal | undefined {
  if (isSharedArrayBuffer(buffer)) {
    return refuse(
      "a SharedArrayBuffer (or a view of one)",
      "it would share memory across the boundary, which the process tier cannot; pass a copy",
    );
  }
  if ((buffer as ArrayBuffer).detached) {
    return refuse(
      "a detached ArrayBuffer (or a view of one)",
      "it was transferred away; pass a buffer that holds its bytes",
    );
  }
  return undefined;
}
