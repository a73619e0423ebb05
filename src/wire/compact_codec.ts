/**
 * A compact binary codec for record batches on the shared-memory call channel
 * and in the process tier's frames; this module writes it, `_compact_decode.ts`
 * reads it.
 * `node:v8` serialisation costs microseconds per small batch in Deno and JSON
 * is not exact, so this codec carries the values structured clone carries most
 * often, byte for byte as structured clone would, and refuses the rest (the
 * caller then falls back to structured clone).
 *
 * Format: `count` then `count` values. A count or length is an unsigned LEB128
 * varint of at most 5 bytes. Each value starts with a tag byte:
 *
 * | tag         | value                                                      |
 * |-------------|------------------------------------------------------------|
 * | 0x00–0x7f   | the integer 0–127, in the tag itself                       |
 * | 0x80 / 0x81 | `undefined` / `null`                                       |
 * | 0x82 / 0x83 | `false` / `true`                                           |
 * | 0x84        | other int32: zigzag varint                                 |
 * | 0x85        | any other number: 8 bytes IEEE 754, platform byte order    |
 * | 0x86        | well-formed string: byte length, UTF-8 bytes               |
 * | 0x87        | string with lone surrogates: unit count, UTF-16LE units    |
 * | 0x88        | array: length, items                                       |
 * | 0x89        | plain object: key count, then (string, value) pairs        |
 * | 0x8a / 0x8b | bigint ≥ 0 / < 0: digit count, lowercase hex digits of abs |
 *
 * Floats use the platform byte order because both ends run on one machine (the
 * threads of one process, or a host and its child processes).
 *
 * @module
 */

import {
  isAnyArrayBuffer,
  isMap,
  isPromise,
  isProxy,
  isSet,
  isWeakMap,
  isWeakSet,
} from "node:util/types";

// The tags, shared with the decoder.
export const UNDEFINED = 0x80;
export const NULL = 0x81;
export const FALSE = 0x82;
export const TRUE = 0x83;
export const INT = 0x84;
export const FLOAT = 0x85;
export const UTF8 = 0x86;
export const UTF16 = 0x87;
export const ARRAY = 0x88;
export const OBJECT = 0x89;
export const BIGINT = 0x8a;
export const NEG_BIGINT = 0x8b;
/** The values of tags 0x80–0x83. */
export const CONSTANTS = [undefined, null, false, true];

/** Containers nest at most this deep, so neither side recurses without bound. */
export const MAX_DEPTH = 64;
/** The first objects met are checked against a list, the rest against a Set. */
const LIST_LIMIT = 16;

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const float = new Float64Array(1);
const floatBytes = new Uint8Array(float.buffer);
const objectToString = Object.prototype.toString;

/** The bytes could not be decoded: truncated, malformed or hostile. */
export class CompactCodecError extends Error {
  /** Makes the error with a message that names what was wrong and where. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CompactCodecError";
  }
}

// Encoder state lives at module level so the hot path allocates nothing.
let out: Uint8Array = EMPTY;
let pos = 0;
let busy = false;
const seenList: object[] = [];
const seenSet = new Set<object>();

/**
 * Encodes `values` into `target` from `offset`, as `decodeRecords` reads them.
 *
 * @param values The batch; read as a list by index.
 * @param target Where to write; may view a SharedArrayBuffer.
 * @param offset The first byte to write.
 * @returns The end offset, or -1 when a value is outside what this codec
 * carries exactly (see the module doc) or the bytes would not fit. Never throws.
 */
export function encodeRecords(
  values: readonly unknown[],
  target: Uint8Array,
  offset: number,
): number {
  // A getter may call back into the encoder; its state is in use, so refuse.
  if (busy) return -1;
  busy = true;
  try {
    if (!Array.isArray(values) || !(target instanceof Uint8Array)) return -1;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > target.length) return -1;
    out = target;
    pos = offset;
    const n = values.length;
    if (!writeVarint(n)) return -1;
    for (let i = 0; i < n; i++) if (!writeValue(values[i], 0)) return -1;
    return pos;
  } catch {
    return -1; // a throwing getter or proxy trap
  } finally {
    out = EMPTY;
    seenList.length = 0; // hold no caller objects past the call
    if (seenSet.size > 0) seenSet.clear();
    busy = false;
  }
}

function writeValue(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case "number":
      return writeNumber(v);
    case "string":
      return writeString(v);
    case "boolean":
      return writeByte(v ? TRUE : FALSE);
    case "undefined":
      return writeByte(UNDEFINED);
    case "bigint":
      return writeBigInt(v);
    case "object":
      return v === null ? writeByte(NULL) : writeObject(v, depth);
    default:
      return false; // symbol, function
  }
}

function writeByte(b: number): boolean {
  if (pos >= out.length) return false;
  out[pos++] = b;
  return true;
}

/** Writes `n`, a uint32, as a varint. */
function writeVarint(n: number): boolean {
  while (n >= 0x80) {
    if (pos >= out.length) return false;
    out[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  return writeByte(n);
}

function writeNumber(v: number): boolean {
  // -0 passes `(v | 0) === v` but must keep its sign, so it goes as a float.
  if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
    if (v >= 0 && v < 0x80) return writeByte(v);
    return writeByte(INT) && writeVarint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  if (pos + 9 > out.length) return false;
  out[pos++] = FLOAT;
  float[0] = v;
  for (let i = 0; i < 8; i++) out[pos++] = floatBytes[i];
  return true;
}

function writeString(s: string): boolean {
  const n = s.length;
  // A short ASCII string by hand is cheaper than a call into TextEncoder; a
  // long one is far cheaper natively.
  if (n > 32) return s.isWellFormed() ? writeUtf8(s) : writeUtf16(s);
  const start = pos;
  // Every encoding takes at least one byte per UTF-16 unit, so too little room
  // for n bytes is too little for any of them.
  if (!writeByte(UTF8) || !writeVarint(n) || pos + n > out.length) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      pos = start;
      return s.isWellFormed() ? writeUtf8(s) : writeUtf16(s);
    }
    out[pos + i] = c;
  }
  pos += n;
  return true;
}

function writeUtf8(s: string): boolean {
  // The byte length is known only after encoding, so reserve a varint wide
  // enough for the worst case (3 bytes a unit) and pad it.
  let width = 1;
  for (let max = s.length * 3; max >= 0x80; max = Math.floor(max / 0x80)) width++;
  const at = pos + 1 + width;
  if (at > out.length) return false;
  // Deno's encodeInto writes into views of a SharedArrayBuffer; were that to
  // change, it would throw and the batch would fall back to structured clone.
  const { read, written } = encoder.encodeInto(s, out.subarray(at));
  if (read !== s.length) return false;
  out[pos++] = UTF8;
  let rest = written;
  for (let i = 1; i < width; i++, rest = Math.floor(rest / 0x80)) out[pos++] = (rest & 0x7f) | 0x80;
  out[pos] = rest;
  pos = at + written;
  return true;
}

function writeUtf16(s: string): boolean {
  const n = s.length;
  if (!writeByte(UTF16) || !writeVarint(n) || pos + 2 * n > out.length) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    out[pos++] = c & 0xff;
    out[pos++] = c >>> 8;
  }
  return true;
}

function writeBigInt(v: bigint): boolean {
  const negative = v < 0n;
  const hex = (negative ? -v : v).toString(16);
  if (!writeByte(negative ? NEG_BIGINT : BIGINT) || !writeVarint(hex.length)) return false;
  if (pos + hex.length > out.length) return false;
  for (let i = 0; i < hex.length; i++) out[pos++] = hex.charCodeAt(i);
  return true;
}

function writeObject(v: object, depth: number): boolean {
  if (depth >= MAX_DEPTH || !remember(v)) return false;
  // Structured clone keeps proxies' absence of cloneability, internal slots
  // (a Map whose prototype was swapped is still a Map) and extra array
  // properties; anything of that kind is refused rather than flattened.
  const proto = Object.getPrototypeOf(v);
  if (proto === Array.prototype) {
    if (!Array.isArray(v) || isProxy(v)) return false;
    const items = v as unknown[];
    const n = items.length;
    // Each item takes a byte at least: an array that cannot fit is refused before its keys are
    // listed, which costs about 100 ms for a million items (more than structured clone of it).
    if (n > out.length - pos) return false;
    // Object.keys lists indices first, ascending: n keys ending with n - 1 are
    // exactly 0..n-1, so there is no hole and no extra property.
    const keys = Object.keys(items);
    if (keys.length !== n || (n > 0 && keys[n - 1] !== String(n - 1))) return false;
    if (!writeByte(ARRAY) || !writeVarint(n)) return false;
    for (let i = 0; i < n; i++) if (!writeValue(items[i], depth + 1)) return false;
    return true;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  if (
    isProxy(v) || objectToString.call(v) !== "[object Object]" || isMap(v) ||
    isSet(v) || isAnyArrayBuffer(v) || isWeakMap(v) || isWeakSet(v) ||
    isPromise(v)
  ) return false;
  const record = v as Record<string, unknown>;
  const keys = Object.keys(record);
  const n = keys.length;
  if (!writeByte(OBJECT) || !writeVarint(n)) return false;
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    if (!writeString(key) || !writeValue(record[key], depth + 1)) return false;
  }
  return true;
}

/** Records `v` as met; false when it was met before in this call. */
function remember(v: object): boolean {
  // A short list costs no allocation and is quick at the sizes batches have.
  if (seenList.includes(v)) return false;
  if (seenList.length < LIST_LIMIT) return seenList.push(v) > 0;
  if (seenSet.has(v)) return false;
  seenSet.add(v);
  return true;
}
