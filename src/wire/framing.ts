/**
 * Framing of the process tier's stdio protocol. A frame is the magic bytes
 * `1e 53 50 31` (`"\x1eSP1"`), a 4-byte big-endian payload length, and the
 * payload: for plain data (numbers, strings, `undefined`, bigints, plain
 * objects and arrays), the compact encoding of `compact_codec.ts`, which
 * costs a tenth of the alternative; for anything else, the message
 * serialised with V8's structured-clone serialiser (`node:v8`'s base
 * `Serializer`), so typed arrays, `Map`, `Set`, `Date` and errors cross the
 * boundary as they do between workers. Not `serialize()`: Node's default
 * serialiser writes a typed array as its bytes alone, and `deserialize()`
 * makes it a view into the payload (another `buffer`, another `byteOffset`).
 * A V8 payload starts with its version tag `0xff`, which a compact payload
 * never does, so no flag is needed. Bytes outside frames are not protocol:
 * the decoder hands them back as text.
 *
 * What may cross is checked before a message gets here (`value_check.ts`):
 * `node:v8` cannot tell a `Blob` or a class instance from a plain object.
 *
 * Frames from a plugin's child to the host carry the session tag between the
 * magic and the length: 16 random bytes the host sends in `init`, which only
 * the runtime holds. Plugin code can write to the child's stdout (`node:fs`
 * `writeSync(1)`, `node:process.stdout`, …), but without the tag what it
 * writes can never be taken for a message.
 *
 * The layout is in `frame_format.ts`, the incremental reader in
 * `frame_decoder.ts`; this module, which encodes, re-exports both, as the
 * one place the two sides import the framing from.
 *
 * @module
 */
import { Deserializer, Serializer } from "node:v8";
import { encodeRecords } from "./compact_codec.ts";
import { decodeRecords } from "./compact_decode.ts";
import { errorText } from "./error_text.ts";
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES, TAG_BYTES } from "./frame_format.ts";

export { FRAME_HEADER_BYTES, FRAME_MAGIC, MAX_FRAME_BYTES, TAG_BYTES } from "./frame_format.ts";
export {
  FrameDecoder,
  type FrameDecoderOptions,
  type FrameSink,
  FramingError,
} from "./frame_decoder.ts";

// Captured when this module is evaluated, before any plugin code runs in the
// child: plugin code that later replaces a typed-array method or getter
// cannot be handed a frame (which holds the tag) by the code below.
const Bytes = Uint8Array;
const apply = Reflect.apply;
const typedArraySet = Uint8Array.prototype.set;
const typedArraySubarray = Uint8Array.prototype.subarray;
const typedArrayLength = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  "length",
)!.get!;

// The same for the serialiser: plugin code that replaces its methods cannot see what the child sends.
const writeHeader = Serializer.prototype.writeHeader;
const writeValue = Serializer.prototype.writeValue;
const releaseBuffer = Serializer.prototype.releaseBuffer;
const readHeader = Deserializer.prototype.readHeader;
const readValue = Deserializer.prototype.readValue;

function lengthOf(bytes: Uint8Array): number {
  return apply(typedArrayLength, bytes, []);
}

function copyInto(target: Uint8Array, source: Uint8Array, offset: number): void {
  apply(typedArraySet, target, [source, offset]);
}

function slice(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return apply(typedArraySubarray, bytes, [start, end]);
}

/** A frame of `payloadBytes` with its header written: the magic, the tag if any, the length. */
function frameOf(payloadBytes: number, tag: Uint8Array | undefined): Uint8Array {
  const tagBytes = tag === undefined ? 0 : TAG_BYTES;
  const frame = new Bytes(FRAME_HEADER_BYTES + tagBytes + payloadBytes);
  frame[0] = 0x1e;
  frame[1] = 0x53;
  frame[2] = 0x50;
  frame[3] = 0x31;
  for (let index = 0; index < tagBytes; index++) frame[4 + index] = tag![index];
  const at = 4 + tagBytes;
  frame[at] = payloadBytes >>> 24;
  frame[at + 1] = (payloadBytes >>> 16) & 0xff;
  frame[at + 2] = (payloadBytes >>> 8) & 0xff;
  frame[at + 3] = payloadBytes & 0xff;
  return frame;
}

/**
 * Writes all of `bytes` with `write`, through the methods captured above, so
 * that plugin code never gets hold of a frame on its way out.
 */
export function writeAllSync(write: (bytes: Uint8Array) => number, bytes: Uint8Array): void {
  const length = lengthOf(bytes);
  let done = 0;
  while (done < length) done += write(done === 0 ? bytes : slice(bytes, done, length));
}

function cloneError(message: string): DOMException {
  return new DOMException(message, "DataCloneError");
}

/**
 * Frames a payload.
 *
 * @param tag The session tag, on frames from a plugin's child.
 * @throws {DOMException} `DataCloneError` when the payload is longer than {@linkcode MAX_FRAME_BYTES}.
 */
export function encodeFrame(payload: Uint8Array, tag?: Uint8Array): Uint8Array {
  const length = lengthOf(payload);
  if (length > MAX_FRAME_BYTES) {
    throw cloneError(`the message is ${length} bytes; a frame holds at most ${MAX_FRAME_BYTES}`);
  }
  const frame = frameOf(length, tag);
  copyInto(frame, payload, lengthOf(frame) - length);
  return frame;
}

const V8_VERSION_TAG = 0xff;
/** Where compact payloads are written before they get a frame of their size; larger ones go through V8. */
const scratch = new Uint8Array(64 * 1024);

/**
 * Serialises a message and frames it.
 *
 * @param tag The session tag, on frames from a plugin's child.
 * @throws {DOMException} `DataCloneError` when the message holds something that cannot be cloned
 * (a function, a symbol, …), as `postMessage` does.
 */
export function encodeMessage(message: unknown, tag?: Uint8Array): Uint8Array {
  const length = encodeRecords([message], scratch, 0);
  if (length >= 0) {
    const frame = frameOf(length, tag);
    copyInto(frame, slice(scratch, 0, length), lengthOf(frame) - length);
    return frame;
  }
  let payload: Uint8Array;
  try {
    const serializer = new Serializer();
    apply(writeHeader, serializer, []);
    apply(writeValue, serializer, [message]);
    payload = apply(releaseBuffer, serializer, []);
  } catch (error) {
    if (error instanceof DOMException && error.name === "DataCloneError") throw error;
    throw cloneError(errorText(error));
  }
  return encodeFrame(payload, tag);
}

/**
 * Deserialises a frame's payload. Every value it returns owns its memory:
 * the base `Deserializer` copies buffers out of the payload, and the compact
 * decoder copies strings, so the payload may be overwritten afterwards (a
 * read buffer used again).
 *
 * @param _reused Whether the payload's memory will be overwritten; no longer
 * needs a copy (see above), and kept so that callers need not change.
 * @throws {Error} When the payload is not a serialised value.
 */
export function decodeMessage(payload: Uint8Array, _reused = false): unknown {
  if (payload[0] !== V8_VERSION_TAG) return decodeRecords(payload)[0];
  const deserializer = new Deserializer(payload);
  apply(readHeader, deserializer, []);
  return apply(readValue, deserializer, []);
}
