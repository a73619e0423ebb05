/**
 * Copying a large buffer once instead of twice. Structured clone copies an
 * `ArrayBuffer` twice: into the serialised message, then out of it. Copying
 * it first with `slice()` and transferring the copy costs one copy, and the
 * receiver gets the same value: a fresh buffer of the same bytes that the
 * sender can no longer touch. Only where the receiver would get a clone (the
 * worker tier): a process copies through a pipe anyway, and the inline tier
 * passes references.
 *
 * @module
 */

/** Below this, the second copy costs less than the extra step. */
const MIN_BYTES = 64 * 1024;

/** A value copied once, and the buffer to transfer with it. */
export interface CopiedOnce {
  value: ArrayBuffer | Uint8Array;
  transfer: ArrayBuffer;
}

/**
 * The copy of a large `ArrayBuffer`, or of a `Uint8Array` spanning a whole
 * buffer; undefined for anything else, which structured clone then copies as
 * it always does. Subclasses, resizable buffers and partial views are left to
 * structured clone, whose result for them a copy would not match exactly.
 */
export function copyOnce(value: unknown): CopiedOnce | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const prototype = Object.getPrototypeOf(value);
  if (prototype === ArrayBuffer.prototype) {
    const buffer = value as ArrayBuffer;
    if (buffer.byteLength < MIN_BYTES || buffer.resizable) return undefined;
    const copy = buffer.slice(0);
    return { value: copy, transfer: copy };
  }
  if (prototype === Uint8Array.prototype) {
    const view = value as Uint8Array;
    const buffer = view.buffer;
    if (
      view.byteLength < MIN_BYTES || !(buffer instanceof ArrayBuffer) || buffer.resizable ||
      view.byteOffset !== 0 || view.byteLength !== buffer.byteLength
    ) {
      return undefined;
    }
    const copy = new Uint8Array(buffer.slice(0));
    return { value: copy, transfer: copy.buffer };
  }
  return undefined;
}
