/**
 * Reading frames out of a byte stream that also carries text: the process
 * tier's stdio, split anywhere into chunks.
 *
 * @module
 */
import { FRAME_MAGIC, MAX_FRAME_BYTES } from "./frame_format.ts";

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
