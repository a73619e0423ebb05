/**
 * Framing of the process tier's stdio protocol. A frame is the magic bytes
 * `1e 53 50 31` (`"\x1eSP1"`), a 4-byte big-endian payload length, and the
 * payload: for plain data (numbers, strings, `undefined`, bigints, plain
 * objects and arrays), the compact encoding of `../_compact_codec.ts`, which
 * costs a tenth of the alternative; for anything else, the message
 * serialised with V8's structured-clone serialiser (`node:v8`), so typed
 * arrays, `Map`, `Set`, `Date` and errors cross the boundary as they do
 * between workers. A V8 payload starts with its version tag `0xff`, which a
 * compact payload never does, so no flag is needed. Bytes outside frames are
 * not protocol: the decoder hands them back as text.
 *
 * Frames from a plugin's child to the host carry the session tag between the
 * magic and the length: 16 random bytes the host sends in `init`, which only
 * the runtime holds. Plugin code can write to the child's stdout (`node:fs`
 * `writeSync(1)`, `node:process.stdout`, …), but without the tag what it
 * writes can never be taken for a message.
 *
 * @module
 */
import { deserialize, serialize } from "node:v8";
import { encodeRecords } from "./compact_codec.ts";
import { decodeRecords } from "./compact_decode.ts";

/** The bytes every frame starts with: `"\x1eSP1"` (record separator, "SP", protocol 1). */
export const FRAME_MAGIC: Uint8Array = Uint8Array.of(0x1e, 0x53, 0x50, 0x31);

/** Magic plus length. */
export const FRAME_HEADER_BYTES = 8;

/** The largest payload a 4-byte length can describe. */
export const MAX_FRAME_BYTES = 0xffff_ffff;

/** Length of the session tag on frames from a plugin's child. */
export const TAG_BYTES = 16;

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
    payload = serialize(message);
  } catch (error) {
    if (error instanceof DOMException && error.name === "DataCloneError") throw error;
    throw cloneError(error instanceof Error ? error.message : String(error));
  }
  return encodeFrame(payload, tag);
}

/**
 * Deserialises a frame's payload.
 *
 * @param reused Whether the payload's memory will be overwritten (a read
 * buffer used again). `node:v8` makes typed arrays as views of the bytes it
 * reads, so they then get a copy of their own.
 * @throws {Error} When the payload is not a serialised value.
 */
export function decodeMessage(payload: Uint8Array, reused = false): unknown {
  if (payload[0] !== V8_VERSION_TAG) return decodeRecords(payload)[0];
  return deserialize(reused ? payload.slice() : payload);
}

/** Where a {@linkcode FrameDecoder} delivers what it finds. Both get views that are valid only during the call. */
export interface FrameSink {
  /** A complete frame's payload. */
  frame(payload: Uint8Array): void;
  /** Bytes outside any frame, in order. */
  text(bytes: Uint8Array): void;
}

/** The byte stream broke the framing: a frame too long, or the stream ended inside one. */
export class FramingError extends Error {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "FramingError";
  }
}

/** Options of {@linkcode FrameDecoder}. */
export interface FrameDecoderOptions {
  /**
   * The largest payload accepted; a longer one is a {@linkcode FramingError}
   * before any of it is buffered.
   *
   * @default {MAX_FRAME_BYTES}
   */
  maxFrameBytes?: number;
  /**
   * The session tag every frame must carry after its magic; a frame with
   * another is a {@linkcode FramingError}.
   *
   * @default {none: frames carry no tag}
   */
  tag?: Uint8Array;
}

type State = "text" | "header" | "body";

/**
 * An incremental decoder: feed it chunks split anywhere with `push()`, and it
 * calls the sink with every complete frame and every run of bytes outside
 * frames. A frame that lies whole in one chunk is handed over as a view of
 * it; one split across chunks is copied once, into a buffer of its announced
 * length. The decoder keeps no view of a chunk after `push()` returns, so the
 * caller may read the next chunk into the same buffer.
 */
export class FrameDecoder {
  readonly #sink: FrameSink;
  readonly #maxFrameBytes: number;
  #state: State = "text";
  /** In state text: how many bytes of the magic the last chunk ended with. */
  #magic = 0;
  readonly #tag: Uint8Array | undefined;
  /** The tag, if any, then the 4-byte length. */
  readonly #header: Uint8Array;
  #headerFilled = 0;
  #bodyFilled = 0;
  #body: Uint8Array | undefined;

  /** Makes a decoder that reports to `sink`. */
  constructor(sink: FrameSink, options: FrameDecoderOptions = {}) {
    this.#sink = sink;
    this.#maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    this.#tag = options.tag;
    this.#header = new Uint8Array((options.tag?.length ?? 0) + 4);
  }

  /**
   * Decodes the next chunk of the stream.
   *
   * @throws {FramingError} When a frame announces more than `maxFrameBytes`.
   */
  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#state === "header") at = this.#readHeader(chunk, at);
      else if (this.#state === "body") at = this.#readBody(chunk, at);
      else at = this.#readText(chunk, at);
    }
  }

  /**
   * Ends the stream: bytes held as a possible frame start are text after all.
   *
   * @throws {FramingError} When the stream ended inside a frame.
   */
  end(): void {
    if (this.#state === "text") {
      if (this.#magic > 0) this.#sink.text(FRAME_MAGIC.subarray(0, this.#magic));
      this.#magic = 0;
      return;
    }
    const got = this.#state === "header" ? this.#headerFilled : this.#bodyFilled;
    const of = this.#state === "header"
      ? `its ${this.#header.length}-byte header`
      : `its ${this.#body?.length} bytes`;
    this.#state = "text";
    this.#body = undefined;
    throw new FramingError(`the stream ended inside a frame, after ${got} of ${of}`);
  }

  #readText(chunk: Uint8Array, at: number): number {
    if (this.#magic > 0) {
      while (this.#magic < FRAME_MAGIC.length && at < chunk.length) {
        if (chunk[at] !== FRAME_MAGIC[this.#magic]) break;
        this.#magic++;
        at++;
      }
      if (this.#magic === FRAME_MAGIC.length) {
        this.#magic = 0;
        this.#state = "header";
        this.#headerFilled = 0;
        return at;
      }
      if (at === chunk.length) return at; // the chunk ended inside the magic: wait for more
      // Not a frame after all. Only the magic's first byte can start a frame, and the
      // mismatching byte is not consumed, so it is scanned again below.
      this.#sink.text(FRAME_MAGIC.subarray(0, this.#magic));
      this.#magic = 0;
    }
    const start = FRAME_MAGIC[0];
    const found = chunk.indexOf(start, at);
    if (found === -1) {
      this.#sink.text(chunk.subarray(at));
      return chunk.length;
    }
    if (found > at) this.#sink.text(chunk.subarray(at, found));
    this.#magic = 1;
    return found + 1;
  }

  #readHeader(chunk: Uint8Array, at: number): number {
    const header = this.#header;
    const take = Math.min(header.length - this.#headerFilled, chunk.length - at);
    header.set(chunk.subarray(at, at + take), this.#headerFilled);
    this.#headerFilled += take;
    if (this.#headerFilled < header.length) return at + take;
    const tag = this.#tag;
    if (tag !== undefined && !tag.every((byte, index) => header[index] === byte)) {
      this.#state = "text";
      throw new FramingError(
        "it wrote a frame without its session tag: plugin code wrote to stdout in the protocol's format",
      );
    }
    const length = new DataView(header.buffer).getUint32(header.length - 4);
    if (length > this.#maxFrameBytes) {
      this.#state = "text";
      throw new FramingError(
        `a frame announces ${length} bytes, more than the limit of ${this.#maxFrameBytes}`,
      );
    }
    at += take;
    if (chunk.length - at >= length) {
      // The whole payload is here: hand over a view, copy nothing.
      this.#state = "text";
      this.#sink.frame(chunk.subarray(at, at + length));
      return at + length;
    }
    try {
      this.#body = new Uint8Array(length); // pages are touched only as bytes arrive
    } catch (error) {
      this.#state = "text";
      throw new FramingError(`a frame announces ${length} bytes, which cannot be held: ${error}`);
    }
    this.#bodyFilled = 0;
    this.#state = "body";
    return at;
  }

  #readBody(chunk: Uint8Array, at: number): number {
    const body = this.#body!;
    const take = Math.min(body.length - this.#bodyFilled, chunk.length - at);
    body.set(chunk.subarray(at, at + take), this.#bodyFilled);
    this.#bodyFilled += take;
    if (this.#bodyFilled === body.length) {
      this.#body = undefined;
      this.#state = "text";
      this.#sink.frame(body);
    }
    return at + take;
  }
}
