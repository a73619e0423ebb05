import type { HostMessage } from "./protocol.ts";

/**
 * Queues the messages of one tick and sends them together as one batch, so
 * that pipelined calls cost one serialisation each way instead of one each.
 */
export class Outbox {
  readonly #send: (message: HostMessage, transfer?: Transferable[]) => void;
  readonly #unsendable: (message: HostMessage, cause: unknown) => void;
  #messages: HostMessage[] = [];
  #transfers: Transferable[] = [];

  /**
   * @param send Sends one message (or batch) to the isolate; throws when it cannot be serialised.
   * @param unsendable Told about a single message that could not be sent.
   */
  constructor(
    send: (message: HostMessage, transfer?: Transferable[]) => void,
    unsendable: (message: HostMessage, cause: unknown) => void,
  ) {
    this.#send = send;
    this.#unsendable = unsendable;
  }

  /** Queues a message (and the buffers it moves); the queue leaves at the end of this tick. */
  post(message: HostMessage, transfer?: Transferable[]): void {
    this.#messages.push(message);
    if (transfer !== undefined) this.#transfers.push(...transfer);
    if (this.#messages.length === 1) queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    const messages = this.#messages;
    const transfer = this.#transfers.length > 0 ? this.#transfers : undefined;
    this.#messages = [];
    this.#transfers = [];
    if (messages.length === 0) return;
    try {
      this.#send(messages.length === 1 ? messages[0] : { type: "batch", messages }, transfer);
    } catch {
      // Something in the batch cannot be serialised: send one by one, so that only its call fails.
      for (const message of messages) {
        try {
          this.#send(message);
        } catch (cause) {
          this.#unsendable(message, cause);
        }
      }
    }
  }
}
