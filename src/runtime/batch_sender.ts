/**
 * How a runtime's batches leave for the host: through the low-latency
 * channel when it is open, free and can carry the batch, else as a message.
 * With the channel, batches are numbered, since one posted as a message can
 * be overtaken by the next through the channel, and stream items and host
 * calls must reach the host in order; and a batch after another message
 * (a log line, a probe) is posted behind it, so that a call's log lines and
 * probes reach the host before its reply.
 *
 * @module
 */
import type { PluginMessage } from "../wire/protocol.ts";
import type { ChannelEnd } from "../wire/shared_channel.ts";

/** The runtime's side of sending batches. */
export class BatchSender {
  readonly #post: (message: PluginMessage, transfer?: Transferable[]) => void;
  readonly #sideMessages: (() => number) | undefined;
  /** The channel, once the plugin loaded with one. */
  channel: ChannelEnd | undefined;
  /** How many batches went to the host since the channel opened. */
  #sent = 0;
  /** The count of other messages when the last batch left. */
  #side = 0;

  constructor(
    post: (message: PluginMessage, transfer?: Transferable[]) => void,
    sideMessages: (() => number) | undefined,
  ) {
    this.#post = post;
    this.#sideMessages = sideMessages;
  }

  /**
   * Sends one batch. Counted once sent: a batch that fails to serialise is
   * retried record by record.
   *
   * @throws When it goes as a message and cannot be serialised.
   */
  send(records: unknown[], transfer: Transferable[] | undefined): void {
    const channel = this.channel;
    const order = channel === undefined ? undefined : this.#sent + 1;
    const side = this.#sideMessages?.() ?? 0;
    const behind = side !== this.#side;
    this.#side = side;
    const sent = channel === undefined || transfer !== undefined || behind
      ? "no"
      : channel.send(records, order);
    if (sent === "no") {
      this.#post(
        order === undefined ? { type: "batch", records } : { type: "batch", records, order },
        transfer,
      );
    } else if (sent === "wake") this.#post({ type: "wake" });
    if (order !== undefined) this.#sent = order;
  }
}
