/** What a walk over a value found: its approximate serialised size, and whether it shares memory. */
export interface PayloadFacts {
  /** Approximate bytes when serialised; stops counting once past the limit. */
  bytes: number;
  /** A `SharedArrayBuffer` (or a view of one) somewhere in the value. */
  shared: boolean;
}

const SHARED = typeof SharedArrayBuffer === "function" ? SharedArrayBuffer : undefined;

/**
 * Measures a value the way it will cross the boundary: buffers by their byte
 * length, strings by their length, 8 bytes a number, plus keys. Stops as soon
 * as the count passes `limit`, so a huge value costs no more than the limit.
 */
export function measure(value: unknown, limit: number): PayloadFacts {
  const flat = measureFlat(value);
  if (flat !== undefined) return { bytes: flat, shared: false };
  const facts: PayloadFacts = { bytes: 0, shared: false };
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0 && facts.bytes <= limit) {
    const item = stack.pop();
    switch (typeof item) {
      case "string":
        facts.bytes += item.length + 4;
        continue;
      case "object":
        break;
      default:
        facts.bytes += 8;
        continue;
    }
    if (item === null || seen.has(item)) continue;
    seen.add(item);
    if (ArrayBuffer.isView(item)) {
      facts.bytes += item.byteLength;
      if (SHARED !== undefined && item.buffer instanceof SHARED) facts.shared = true;
    } else if (item instanceof ArrayBuffer) {
      facts.bytes += item.byteLength;
    } else if (SHARED !== undefined && item instanceof SHARED) {
      facts.bytes += item.byteLength;
      facts.shared = true;
    } else if (item instanceof Map) {
      for (const [key, entry] of item) stack.push(key, entry);
    } else if (item instanceof Set) {
      for (const entry of item) stack.push(entry);
    } else if (Array.isArray(item)) {
      facts.bytes += 8;
      for (const entry of item) stack.push(entry);
    } else {
      for (const key of Object.keys(item)) {
        facts.bytes += key.length + 4;
        stack.push((item as Record<string, unknown>)[key]);
      }
    }
  }
  return facts;
}

/**
 * The common case without allocating: a primitive, or an array of primitives
 * (a call's arguments). Returns undefined for anything else.
 */
function measureFlat(value: unknown): number | undefined {
  if (typeof value !== "object") return typeof value === "string" ? value.length + 4 : 8;
  if (value === null) return 8;
  if (!Array.isArray(value)) return undefined;
  let bytes = 8;
  for (let index = 0; index < value.length; index++) {
    const item = value[index];
    if (typeof item === "string") bytes += item.length + 4;
    else if (typeof item !== "object" || item === null) bytes += 8;
    else return undefined;
  }
  return bytes;
}

/** The default bound on one message's payload: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
