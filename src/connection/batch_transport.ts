import type { Isolate } from "../isolation/types.ts";
import { ChannelEnd, HOST_SPIN_MS } from "../wire/shared_channel.ts";
import { errorText } from "../wire/error_text.ts";

/**
 * How a connection's batches reach its isolate: as messages, or, once the
 * low-latency channel is open, through it whenever it is free and can carry
 * the batch. With the channel, batches are numbered, so that the runtime runs
 * them in the order sent whichever way each went.
 */
export class BatchTransport {
  readonly #isolate: Isolate;
  readonly #receive: (records: unknown[], order: number) => void;
  readonly #malformed: (reason: string) => void;
  #channel: ChannelEnd | undefined;
  #sent = 0;

  /**
   * @param receive Takes each reply batch that arrives through the channel, with its place in
   *   the runtime's order.
   * @param malformed Told when the runtime wrote something malformed into the channel.
   */
  constructor(
    isolate: Isolate,
    receive: (records: unknown[], order: number) => void,
    malformed: (reason: string) => void,
  ) {
    this.#isolate = isolate;
    this.#receive = receive;
    this.#malformed = malformed;
  }

  /** Starts using the low-latency channel whose memory the handshake gave the runtime. */
  openChannel(buffer: SharedArrayBuffer): void {
    this.#channel = new ChannelEnd(buffer, "host");
  }

  /** Whether the low-latency channel is open. */
  get lowLatency(): boolean {
    return this.#channel !== undefined;
  }

  /**
   * Sends one batch.
   *
   * @throws When it goes as a message and cannot be serialised.
   */
  send(records: unknown[], transfer: Transferable[] | undefined): void {
    const channel = this.#channel;
    if (channel === undefined) {
      this.#isolate.send({ type: "batch", records }, transfer);
      return;
    }
    // Counted once sent: a batch that fails to serialise is retried record by record.
    const order = this.#sent + 1;
    const sent = transfer === undefined ? channel.send(records, order) : "no";
    if (sent === "no") {
      this.#isolate.send({ type: "batch", records, order }, transfer);
      this.#sent = order;
      return;
    }
    this.#sent = order;
    if (sent === "wake") this.#isolate.send({ type: "wake" });
    // A chatty plugin answers within microseconds: watch for it rather than wait for a message.
    channel.watching(true);
    const arrived = channel.spin(HOST_SPIN_MS);
    if (channel.watching(false) || arrived) this.drain();
  }

  /** Takes every reply batch waiting in the channel (the runtime's `wake` says one is). */
  drain(): void {
    const channel = this.#channel;
    if (channel === undefined) return;
    try {
      for (let batch = channel.receive(); batch !== undefined; batch = channel.receive()) {
        this.#receive(batch.records, batch.order);
      }
    } catch (cause) {
      this.#channel = undefined;
      this.#malformed(
        `its runtime wrote malformed data into the low-latency channel (${
          errorText(cause)
        }); a plugin's runtime must not be modified`,
      );
    }
  }
}
