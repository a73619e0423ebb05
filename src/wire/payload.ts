/** What a walk over a value found: its approximate serialised size, and whether it shares memory. */
export interface PayloadFacts {
  /** Approximate bytes when serialised; stops counting once past the limit. */
  bytes: number;
  /** A `SharedArrayBuffer` (or a view of one) somewhere in the value. */
  shared: boolean;
}

const SHARED = typeof SharedArrayBuffer === "function" ? SharedArrayBuffer : undefined;
/** What one slot costs: an array element, a set member, a property's value, half a map entry. */
const SLOT = 8;

/**
 * Measures a value the way it will cross the boundary: buffers by their byte
 * length, strings by their length, 8 bytes a slot (an array counts by its
 * length, holes included), plus keys. Stops as soon as the count passes
 * `limit`: a container's slots are counted before any is visited, so a sparse
 * array of length 2^32 − 1 costs one comparison, and the work done is at most
 * about `limit / 8` steps.
 */
export function measure(value: unknown, limit: number): PayloadFacts {
  const flat = measureFlat(value, limit);
  if (flat !== undefined) return { bytes: flat, shared: false };
  const walk = new Walk(limit);
  walk.visit(value);
  while (walk.stack.length > 0 && !walk.over) walk.open(walk.stack.pop()!);
  return { bytes: walk.bytes, shared: walk.shared };
}

/**
 * The common case without allocating: a primitive, or an array of primitives
 * (a call's arguments). Returns undefined for anything else.
 */
function measureFlat(value: unknown, limit: number): number | undefined {
  if (typeof value !== "object") return typeof value === "string" ? value.length + 4 : SLOT;
  if (value === null) return SLOT;
  if (!Array.isArray(value)) return undefined;
  let bytes = SLOT + SLOT * value.length;
  for (let index = 0; index < value.length && bytes <= limit; index++) {
    const item = value[index];
    if (typeof item === "string") bytes += item.length + 4;
    else if (typeof item === "object" && item !== null) return undefined;
  }
  return bytes;
}

/** One measurement: the count so far, and the objects still to open. */
class Walk {
  bytes = 0;
  shared = false;
  readonly stack: object[] = [];
  readonly #seen = new Set<object>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get over(): boolean {
    return this.bytes > this.#limit;
  }

  /** A value in a slot already paid for: a string adds its text, an object waits to be opened. */
  visit(item: unknown): void {
    if (typeof item === "string") this.bytes += item.length + 4;
    else if (typeof item === "object" && item !== null && !this.#seen.has(item)) {
      this.#seen.add(item);
      this.stack.push(item);
    }
  }

  /** Counts an object's own size and slots, then visits what they hold, stopping once over. */
  open(item: object): void {
    if (ArrayBuffer.isView(item)) {
      this.bytes += item.byteLength;
      if (SHARED !== undefined && item.buffer instanceof SHARED) this.shared = true;
    } else if (item instanceof ArrayBuffer) {
      this.bytes += item.byteLength;
    } else if (SHARED !== undefined && item instanceof SHARED) {
      this.bytes += item.byteLength;
      this.shared = true;
    } else if (Array.isArray(item)) {
      this.bytes += SLOT + SLOT * item.length;
      for (let index = 0; index < item.length && !this.over; index++) this.visit(item[index]);
    } else if (item instanceof Map) {
      this.bytes += SLOT + 2 * SLOT * item.size;
      for (const [key, entry] of item) {
        if (this.over) break;
        this.visit(key);
        this.visit(entry);
      }
    } else if (item instanceof Set) {
      this.bytes += SLOT + SLOT * item.size;
      for (const entry of item) {
        if (this.over) break;
        this.visit(entry);
      }
    } else if (!this.#openText(item)) {
      this.#openRecord(item as Record<string, unknown>);
    }
  }

  /**
   * The objects structured clone carries as text: their own keys say nothing
   * (a `String` object lists one key per character). False for anything else.
   */
  #openText(item: object): boolean {
    if (item instanceof String) {
      this.bytes += item.length + 4;
    } else if (item instanceof RegExp) {
      this.visit(item.source);
    } else if (item instanceof Error) {
      this.bytes += SLOT;
      this.visit(item.name);
      this.visit(item.message);
      this.visit(item.stack);
      this.visit(item.cause);
      this.#openRecord(item as unknown as Record<string, unknown>);
    } else return false;
    return true;
  }

  #openRecord(item: Record<string, unknown>): void {
    this.bytes += SLOT;
    for (const key of Object.keys(item)) {
      if (this.over) return;
      this.bytes += key.length + 4 + SLOT;
      this.visit(item[key]);
    }
  }
}

/** The default bound on one message's payload: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
