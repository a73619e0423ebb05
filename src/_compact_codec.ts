/**
 * A compact binary codec for record batches on the shared-memory call channel.
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
 * Floats use the platform byte order because both ends share one process.
 *
 * @module
 */

import * as types from "node:util/types";

const UNDEFINED = 0x80;
const NULL = 0x81;
const FALSE = 0x82;
const TRUE = 0x83;
const INT = 0x84;
const FLOAT = 0x85;
const UTF8 = 0x86;
const UTF16 = 0x87;
const ARRAY = 0x88;
const OBJECT = 0x89;
const BIGINT = 0x8a;
const NEG_BIGINT = 0x8b;
const CONSTANTS = [undefined, null, false, true]; // tags 0x80–0x83

/** Containers nest at most this deep, so neither side recurses without bound. */
const MAX_DEPTH = 64;
/** The first objects met are checked against a list, the rest against a Set. */
const LIST_LIMIT = 16;

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
// fatal: hostile bytes must throw, not turn into U+FFFD; ignoreBOM: a leading
// U+FEFF is part of the string.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const float = new Float64Array(1);
const floatBytes = new Uint8Array(float.buffer);
const objectToString = Object.prototype.toString;
const DATA_PROPERTY = { writable: true, enumerable: true, configurable: true };

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
    if (!Array.isArray(v) || types.isProxy(v)) return false;
    const items = v as unknown[];
    const n = items.length;
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
    types.isProxy(v) || objectToString.call(v) !== "[object Object]" || types.isMap(v) ||
    types.isSet(v) || types.isAnyArrayBuffer(v) || types.isWeakMap(v) || types.isWeakSet(v) ||
    types.isPromise(v)
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

// Decoder state; saved and restored around each call so that nothing a
// decode triggers can corrupt an outer one.
let src: Uint8Array = EMPTY;
let at = 0;

/**
 * Decodes bytes written by `encodeRecords`. Work and memory are proportional to
 * `source.length`; objects come back with `Object.prototype`, and a key named
 * `__proto__` as an own data property.
 *
 * @param source The encoded bytes, exactly; a private (non-shared) copy.
 * @returns The values, as structured clone would have delivered them.
 * @throws {CompactCodecError} When the bytes are truncated, malformed, nest
 * deeper than 64 or leave bytes over.
 */
export function decodeRecords(source: Uint8Array): unknown[] {
  const outerSrc = src;
  const outerAt = at;
  try {
    if (!(source instanceof Uint8Array)) fail("source is not a Uint8Array");
    src = source;
    at = 0;
    const n = readLength(1);
    const values: unknown[] = [];
    for (let i = 0; i < n; i++) values.push(readValue(0));
    if (at !== src.length) fail(`${src.length - at} bytes left over`);
    return values;
  } catch (error) {
    // Invalid UTF-8 (TypeError) or an oversized bigint (RangeError) are
    // malformed input too; callers catch one class.
    if (error instanceof CompactCodecError) throw error;
    throw new CompactCodecError(`Cannot decode records: ${error} at byte ${at}`, { cause: error });
  } finally {
    src = outerSrc;
    at = outerAt;
  }
}

function fail(what: string): never {
  throw new CompactCodecError(`Cannot decode records: ${what} at byte ${at}`);
}

function readByte(): number {
  if (at >= src.length) fail("input ends early");
  return src[at++];
}

/** Reads a uint32 varint of at most 5 bytes. */
function readVarint(): number {
  let n = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const b = readByte();
    if (shift === 28 && b > 0x0f) fail("varint overflows 32 bits");
    n |= (b & 0x7f) << shift;
    if (b < 0x80) return n >>> 0;
  }
  return fail("varint overflows 32 bits");
}

/** Reads a count of things taking `size` bytes or more each, checked against what is left. */
function readLength(size: number): number {
  const n = readVarint();
  if (n * size > src.length - at) fail(`length ${n} runs past the end`);
  return n;
}

function readValue(depth: number): unknown {
  const tag = readByte();
  if (tag < 0x80) return tag;
  if (tag <= TRUE) return CONSTANTS[tag - UNDEFINED];
  switch (tag) {
    case INT: {
      const z = readVarint();
      return (z >>> 1) ^ -(z & 1);
    }
    case FLOAT:
      if (at + 8 > src.length) fail("input ends early");
      for (let i = 0; i < 8; i++) floatBytes[i] = src[at++];
      return float[0];
    case UTF8:
    case UTF16:
      return readString(tag);
    case BIGINT:
    case NEG_BIGINT:
      return readBigInt(tag);
    case ARRAY: {
      if (depth >= MAX_DEPTH) fail("nesting deeper than 64");
      const n = readLength(1);
      const items: unknown[] = [];
      for (let i = 0; i < n; i++) items.push(readValue(depth + 1));
      return items;
    }
    case OBJECT: {
      if (depth >= MAX_DEPTH) fail("nesting deeper than 64");
      const n = readLength(2);
      const record: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const keyTag = readByte();
        if (keyTag !== UTF8 && keyTag !== UTF16) fail(`key tag 0x${keyTag.toString(16)}`);
        const key = readString(keyTag);
        const value = readValue(depth + 1);
        // Assigning "__proto__" would set the prototype; define it instead.
        if (key === "__proto__") {
          Object.defineProperty(record, key, { ...DATA_PROPERTY, value });
        } else record[key] = value;
      }
      return record;
    }
    default:
      return fail(`unknown tag 0x${tag.toString(16)}`);
  }
}

function readString(tag: number): string {
  if (tag === UTF16) {
    const n = readLength(2);
    let s = "";
    for (let i = 0; i < n; i++, at += 2) s += String.fromCharCode(src[at] | (src[at + 1] << 8));
    return s;
  }
  const n = readLength(1);
  const end = at + n;
  if (n <= 32) {
    // Short ASCII by hand: cheaper than a call into TextDecoder.
    let s = "";
    for (let i = at; i < end; i++) {
      const b = src[i];
      if (b >= 0x80) return readUtf8(end);
      s += String.fromCharCode(b);
    }
    at = end;
    return s;
  }
  return readUtf8(end);
}

function readUtf8(end: number): string {
  const s = decoder.decode(src.subarray(at, end)); // throws TypeError on invalid UTF-8
  at = end;
  return s;
}

function readBigInt(tag: number): bigint {
  const n = readLength(1);
  if (n === 0) fail("empty bigint");
  for (let i = at; i < at + n; i++) {
    const c = src[i];
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) fail("bigint digit is not hex");
  }
  const v = BigInt("0x" + readUtf8(at + n)); // RangeError past V8's BigInt size
  return tag === NEG_BIGINT ? -v : v;
}
