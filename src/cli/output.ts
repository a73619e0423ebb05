/**
 * Where the command's output goes: results on stdout (text, or JSON with
 * `--json`), diagnostics on stderr; the progress line is erased before either
 * is written. Also how plugin values are turned into JSON.
 *
 * @module
 */
import { relative } from "node:path";
import type { Paint } from "./colour.ts";
import type { Progress } from "./progress.ts";

const encoder = new TextEncoder();

/**
 * Writes all of `text` to a stream, synchronously; a reader that went away is
 * no error.
 *
 * @returns false when the reader has gone (`sandplug call … --stream | head -1`).
 */
export function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): boolean {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
    return true;
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    return false;
  }
}

/** The command's two streams. */
export class Output {
  /** Whether the command prints JSON (`--json`). */
  readonly json: boolean;
  /** Styles for stdout. */
  readonly paint: Paint;
  /** Styles for stderr. */
  readonly paintErr: Paint;
  readonly #progress: Progress;
  #stdoutGone = false;

  constructor(options: { json: boolean; paint: Paint; paintErr: Paint; progress: Progress }) {
    this.json = options.json;
    this.paint = options.paint;
    this.paintErr = options.paintErr;
    this.#progress = options.progress;
  }

  /** Whether stdout's reader has gone: there is no point producing more. */
  get stdoutGone(): boolean {
    return this.#stdoutGone;
  }

  /** One line of the result on stdout. */
  line(text = ""): void {
    this.#progress.clear();
    if (this.#stdoutGone) return;
    this.#stdoutGone = !writeAll(Deno.stdout, `${text}\n`);
  }

  /** A value as indented JSON on stdout (the `--json` document). */
  document(value: unknown): void {
    this.line(JSON.stringify(toJsonValue(value), null, 2));
  }

  /** A value as one line of JSON on stdout (a streamed item). */
  jsonLine(value: unknown): void {
    this.line(JSON.stringify(toJsonValue(value)));
  }

  /** One line of diagnostics on stderr. */
  error(text: string): void {
    this.#progress.clear();
    writeAll(Deno.stderr, `${text}\n`);
  }
}

/** A path as the user would type it: relative to the working folder when inside it. */
export function shownPath(path: string): string {
  const rel = relative(Deno.cwd(), path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel;
}

/** Thrown for a value that holds itself: JSON cannot show it. */
export class CyclicValueError extends TypeError {
  constructor(at: string) {
    super(`Cannot print the value as JSON: it refers to itself at ${at}`);
    this.name = "CyclicValueError";
  }
}

/**
 * A value with only what JSON holds, for printing what a plugin returned:
 * `undefined` → `null` (at the top and in arrays), bigint → its decimal
 * string, `Map` → `[[key, value], …]`, `Set` → an array, bytes (an
 * `ArrayBuffer`, typed array or `DataView`) → an array of numbers, `RegExp` →
 * its source text, an error → `{ name, message }`, a boxed primitive → the
 * primitive. Dates print as JSON prints them (ISO text); `NaN` and the
 * infinities as `null`.
 *
 * @throws {CyclicValueError} When the value holds itself.
 */
export function toJsonValue(value: unknown, at = "result", seen: unknown[] = []): unknown {
  if (value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object" || value === null) return value;
  if (seen.includes(value)) throw new CyclicValueError(at);
  const inner = (item: unknown, path: string) => toJsonValue(item, path, [...seen, value]);
  if (value instanceof Date) return value;
  if (value instanceof RegExp) return String(value);
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  if (value instanceof DataView) {
    return [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
  }
  if (ArrayBuffer.isView(value)) {
    return Array.from(value as unknown as ArrayLike<number | bigint>, (n) => inner(n, at));
  }
  if (value instanceof Map) {
    return [...value].map(([k, v], i) => [inner(k, `${at}[${i}][0]`), inner(v, `${at}[${i}][1]`)]);
  }
  if (value instanceof Set) return [...value].map((item, i) => inner(item, `${at}[${i}]`));
  if (value instanceof Number || value instanceof String || value instanceof Boolean) {
    return value.valueOf();
  }
  if (Array.isArray(value)) return Array.from(value, (item, i) => inner(item, `${at}[${i}]`));
  const object: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // As JSON.stringify does: a property holding undefined is left out.
    if (item !== undefined) object[key] = inner(item, `${at}.${key}`);
  }
  return object;
}
