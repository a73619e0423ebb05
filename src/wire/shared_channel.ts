/**
 * The low-latency channel: one SharedArrayBuffer between the host and a
 * plugin worker with a slot each way. A side writes a batch of records into
 * its outgoing slot when the peer has taken the previous one, and the peer
 * either sees it while spinning briefly (a round trip of a few microseconds)
 * or is woken by a message. Nothing spins longer than a fixed budget, so an
 * idle channel costs no CPU.
 *
 * Either side may be hostile to the other: lengths are bounded, bytes are
 * copied out of shared memory before they are decoded, and each side counts
 * its own sends instead of trusting the shared counters.
 *
 * @module
 */
import { encodeRecords } from "./compact_codec.ts";
import { decodeRecords } from "./compact_decode.ts";

// Int32 slots of the header. Each side writes only its own: the host the H2P
// sequence, length and order, the P2H acknowledgement and HOST_AWAKE; the
// plugin the rest.
const H2P_SEQ = 0;
const H2P_ACK = 1;
const H2P_LEN = 2;
const H2P_ORDER = 3;
const P2H_SEQ = 4;
const P2H_ACK = 5;
const P2H_LEN = 6;
const HOST_AWAKE = 7;
const PLUGIN_AWAKE = 8;
const P2H_ORDER = 9;
const HEADER_BYTES = 64;

/** The default size of each slot: larger batches go as messages. */
export const DEFAULT_SLOT_BYTES = 16 * 1024;

/** How long the host spins before it sleeps on the slot instead (see `ChannelEnd.spin`). */
const SPIN_MS = 0.02;
/** How long the host waits for a reply after it sent a batch through the channel, spinning first. */
export const HOST_SPIN_MS = 0.05;
/** How long a plugin spins for the next batch after it answered one. */
export const PLUGIN_SPIN_MS = 0.1;
/**
 * How long a plugin woken by a message spins for the next batch after it
 * answered: the host, answered by a message too, sends it about a message's
 * delivery later, and only a spinning plugin gets the calls after it back to
 * a few microseconds.
 */
export const PLUGIN_WOKEN_SPIN_MS = 0.5;

/** What `send()` did. */
export type Sent = "no" | "yes" | "wake";

/** A batch taken from the channel. */
export interface Received {
  records: unknown[];
  /** The batch's place in its sender's order. */
  order: number;
}

/** Makes the shared memory of a new channel. */
export function createChannelBuffer(slotBytes: number = DEFAULT_SLOT_BYTES): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + 2 * slotBytes);
}

/** One side's view of a channel. */
export class ChannelEnd {
  readonly #header: Int32Array;
  readonly #out: Uint8Array;
  readonly #in: Uint8Array;
  /** Where incoming bytes are copied before decoding: reused, as a fresh copy costs more than the decoding. */
  readonly #copy: Uint8Array;
  readonly #outSeq: number;
  readonly #outAck: number;
  readonly #outLen: number;
  readonly #inSeq: number;
  readonly #inAck: number;
  readonly #inLen: number;
  readonly #myAwake: number;
  readonly #peerAwake: number;
  readonly #isHost: boolean;
  #sent = 0;
  #received = 0;

  /**
   * @param buffer From {@linkcode createChannelBuffer}.
   * @throws {RangeError} When the buffer is too small to hold a header and two slots.
   */
  constructor(buffer: SharedArrayBuffer, side: "host" | "plugin") {
    const slotBytes = Math.floor((buffer.byteLength - HEADER_BYTES) / 2);
    if (!(buffer instanceof SharedArrayBuffer) || slotBytes < 64) {
      throw new RangeError(
        `Cannot open a low-latency channel: it needs a SharedArrayBuffer of at least ${
          HEADER_BYTES + 128
        } bytes; current value is ${String(buffer?.byteLength)}`,
      );
    }
    this.#header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    const h2p = new Uint8Array(buffer, HEADER_BYTES, slotBytes);
    const p2h = new Uint8Array(buffer, HEADER_BYTES + slotBytes, slotBytes);
    this.#isHost = side === "host";
    this.#out = this.#isHost ? h2p : p2h;
    this.#in = this.#isHost ? p2h : h2p;
    this.#copy = new Uint8Array(slotBytes);
    [this.#outSeq, this.#outAck, this.#outLen] = this.#isHost
      ? [H2P_SEQ, H2P_ACK, H2P_LEN]
      : [P2H_SEQ, P2H_ACK, P2H_LEN];
    [this.#inSeq, this.#inAck, this.#inLen] = this.#isHost
      ? [P2H_SEQ, P2H_ACK, P2H_LEN]
      : [H2P_SEQ, H2P_ACK, H2P_LEN];
    [this.#myAwake, this.#peerAwake] = this.#isHost
      ? [HOST_AWAKE, PLUGIN_AWAKE]
      : [PLUGIN_AWAKE, HOST_AWAKE];
  }

  /**
   * Writes a batch into the outgoing slot if the peer took the previous one
   * and the codec carries every value exactly.
   *
   * @returns `"no"` (send it as a message instead), `"yes"`, or `"wake"`: sent,
   *   but the peer is not watching, so it must be told by a message.
   */
  send(records: readonly unknown[], order = 0): Sent {
    const header = this.#header;
    if (Atomics.load(header, this.#outAck) !== this.#sent) return "no";
    const length = encodeRecords(records, this.#out, 0);
    if (length < 0) return "no";
    Atomics.store(header, this.#outLen, length);
    Atomics.store(header, this.#isHost ? H2P_ORDER : P2H_ORDER, order);
    this.#sent = (this.#sent + 1) | 0;
    Atomics.store(header, this.#outSeq, this.#sent);
    Atomics.notify(header, this.#outSeq);
    return Atomics.load(header, this.#peerAwake) === 1 ? "yes" : "wake";
  }

  /** Whether the peer wrote a batch this side has not taken yet. */
  get pending(): boolean {
    return Atomics.load(this.#header, this.#inSeq) !== this.#received;
  }

  /**
   * Takes the batch waiting in the incoming slot, if any.
   *
   * @throws {CompactCodecError} When the peer wrote something malformed.
   * @throws {RangeError} When the peer wrote a length past the slot.
   */
  receive(): Received | undefined {
    const header = this.#header;
    const seq = Atomics.load(header, this.#inSeq);
    if (seq === this.#received) return undefined;
    const length = Atomics.load(header, this.#inLen);
    const order = Atomics.load(header, this.#isHost ? P2H_ORDER : H2P_ORDER);
    const fits = length >= 0 && length <= this.#in.length;
    // Copied before decoding: the peer could rewrite shared bytes while they are read.
    if (fits) this.#copy.set(this.#in.subarray(0, length));
    this.#received = seq;
    Atomics.store(header, this.#inAck, seq);
    if (!fits) {
      throw new RangeError(
        `the low-latency channel announced ${length} bytes in a slot of ${this.#in.length}`,
      );
    }
    return { records: decodeRecords(this.#copy.subarray(0, length)), order };
  }

  /**
   * Marks this side as watching the channel (the peer then needs no wake-up
   * message) or not. Marking it not watching returns whether a batch arrived
   * meanwhile, which this side must then take itself.
   */
  watching(on: boolean): boolean {
    Atomics.store(this.#header, this.#myAwake, on ? 1 : 0);
    return !on && this.pending;
  }

  /**
   * Waits until a batch arrives or `budgetMs` passes; returns whether one
   * arrived. The plugin spins for all of it. The host spins for the first
   * {@linkcode SPIN_MS}, which catches a chatty plugin's reply within a
   * microsecond, then sleeps on the slot's sequence number: a slow reply then
   * costs the host's thread no CPU and leaves the core to the plugin. It is
   * the plugin that must not sleep: a host woken late by the kernel (tens of
   * µs) sends its next call late, and a plugin that slept by then would be
   * woken late too, turning every later call into two kernel wake-ups.
   */
  spin(budgetMs: number): boolean {
    const started = performance.now();
    const spinUntil = started + (this.#isHost ? Math.min(SPIN_MS, budgetMs) : budgetMs);
    for (let turn = 1; !this.pending; turn++) {
      if ((turn & 63) === 0 && performance.now() > spinUntil) break;
      // The CPU's spin-wait hint: it frees the core's resources for a sibling thread.
      Atomics.pause();
    }
    for (;;) {
      if (this.pending) return true;
      const left = started + budgetMs - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.#header, this.#inSeq, this.#received, left);
    }
  }
}
