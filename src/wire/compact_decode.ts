/**
 * Reads the compact encoding `_compact_codec.ts` writes (its module doc has
 * the format). The bytes may come from a hostile peer: every length is checked
 * against what is left, nesting is bounded, and anything malformed is a
 * {@linkcode CompactCodecError}.
 *
 * @module
 */
import {
  ARRAY,
  BIGINT,
  CompactCodecError,
  CONSTANTS,
  FLOAT,
  INT,
  MAX_DEPTH,
  NEG_BIGINT,
  OBJECT,
  TRUE,
  UNDEFINED,
  UTF16,
  UTF8,
} from "./compact_codec.ts";

const EMPTY = new Uint8Array(0);
// fatal: hostile bytes must throw, not turn into U+FFFD; ignoreBOM: a leading
// U+FEFF is part of the string.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const float = new Float64Array(1);
const floatBytes = new Uint8Array(float.buffer);
const DATA_PROPERTY = { writable: true, enumerable: true, configurable: true };

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
