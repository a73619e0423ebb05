/**
 * The message loop of a plugin's runtime, shared by every tier: the
 * handshake, then batches of requests, cancels and pings. The replies of one
 * tick leave together as one batch. Each tier gives it a way to post messages
 * and a way to load the plugin.
 *
 * @module
 */
import type { HostMessage, InitMessage, PluginMessage } from "../wire/protocol.ts";
import type { Dispatcher, Reply } from "./dispatch.ts";
import { toWireError } from "../wire/error_data.ts";
import { takeTransfers } from "../wire/transfer.ts";
import { measure } from "../wire/payload.ts";
import { copyOnce } from "../wire/copy_once.ts";
import { refusalText, valueProblem } from "../wire/value_check.ts";
import type { ChannelEnd } from "../wire/shared_channel.ts";
import {
  CALL,
  CANCEL,
  ERR,
  GET,
  hostRecordLength,
  OK,
  PING,
  pluginRecordLength,
  PONG,
  RecordBatch,
  SET,
} from "../wire/records.ts";
import { InOrder } from "./in_order.ts";

/** What a tier gives the loop. */
export interface ServeOptions {
  /**
   * Sends one message to the host.
   *
   * @throws When the message cannot be serialised (the loop turns that into an error reply).
   */
  post(message: PluginMessage, transfer?: Transferable[]): void;
  /** Loads the plugin, on the host's `init`: the handshake reply and, on success, a dispatcher. */
  load(init: InitMessage): Promise<{ reply: PluginMessage; dispatcher?: Dispatcher }>;
  /**
   * Whether `post` clones and transfers (a worker): a large result buffer is
   * then copied once and the copy transferred, rather than cloned in two copies.
   */
  copiesOnce?: boolean;
}

/** Returns the function that takes each message from the host. */
export function serve(options: ServeOptions): (message: HostMessage) => void {
  const loop = new ServeLoop(options);
  return (message) => loop.receive(message);
}

/** One runtime's loop: the start, then each batch of requests run and answered. */
class ServeLoop {
  readonly #options: ServeOptions;
  readonly #replies: RecordBatch;
  readonly #ordered = new InOrder((records) => this.#run(records));
  /** Bound once: the dispatcher calls it with each request's outcome. */
  readonly #reply: Reply = (id, ok, value) => this.#answer(id, ok, value);
  readonly #drainLater = () => this.#drain(false);
  #dispatcher: Dispatcher | undefined;
  #started = false;
  #maxMessageBytes = 0;
  /** The low-latency channel, once the plugin loaded with one. */
  #channel: ChannelEnd | undefined;
  #spinMs = 0;
  #wokenSpinMs = 0;
  /** Requests whose reply is not queued yet: while any runs, the loop must turn, not spin. */
  #outstanding = 0;
  #draining = false;
  #drainQueued = false;

  constructor(options: ServeOptions) {
    this.#options = options;
    this.#replies = new RecordBatch(
      (records, transfer) => this.#send(records, transfer),
      pluginRecordLength,
      (record, cause) => this.#unsendable(record, cause),
    );
  }

  /** Takes one message from the host. */
  receive(message: HostMessage): void {
    if (message.type === "init") {
      this.#start(message).catch((error) => {
        // A failure of the loop itself (not of plugin code, which becomes error replies) is a crash.
        queueMicrotask(() => {
          throw error;
        });
      });
    } else if (message.type === "batch") {
      this.#ordered.take(message.order, message.records);
    } else if (message.type === "wake") {
      this.#drain(true);
    }
  }

  /** The handshake: loads the plugin, opens the channel if asked for, and answers `init`. */
  async #start(init: InitMessage): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#maxMessageBytes = init.maxMessageBytes;
    // Loaded only when asked for (most workers start without it), and before any plugin code runs.
    const shared = init.channel instanceof SharedArrayBuffer
      ? await import("../wire/shared_channel.ts")
      : undefined;
    const loaded = await this.#options.load(init);
    this.#dispatcher = loaded.dispatcher;
    if (shared !== undefined && loaded.dispatcher !== undefined) {
      this.#channel = new shared.ChannelEnd(init.channel!, "plugin");
      this.#spinMs = shared.PLUGIN_SPIN_MS;
      this.#wokenSpinMs = shared.PLUGIN_WOKEN_SPIN_MS;
    }
    this.#options.post(loaded.reply);
  }

  /** Runs one batch of the host's records: requests go to the dispatcher, pings are answered. */
  #run(records: unknown[]): void {
    const target = this.#dispatcher;
    if (target === undefined) return;
    for (let at = 0; at < records.length;) {
      const length = hostRecordLength(records, at);
      if (length === 0) return;
      const id = records[at + 1] as number;
      const symbol = records[at + 2] as string;
      switch (records[at]) {
        case CALL:
          this.#outstanding++;
          target.call(id, symbol, records.slice(at + 4, at + length), this.#reply);
          break;
        case GET:
          this.#outstanding++;
          target.get(id, symbol, this.#reply);
          break;
        case SET:
          this.#outstanding++;
          target.set(id, symbol, records[at + 3], this.#reply);
          break;
        case CANCEL:
          target.cancel(id);
          break;
        case PING:
          this.#replies.open().push(PONG, id);
          break;
      }
      at += length;
    }
  }

  /** Queues a request's reply: an error, a result too large, or the result with what it transfers. */
  #answer(id: number, ok: boolean, value: unknown): void {
    this.#outstanding--;
    const records = this.#replies.open();
    if (!ok) {
      records.push(ERR, id, value);
      return;
    }
    // Refused here, not changed on the way: the process tier's codec would flatten a class
    // instance. First: it turns a getter that throws into a refusal, where measuring would throw.
    const refused = valueProblem(value, "result");
    if (refused !== undefined) {
      records.push(ERR, id, {
        name: "ValidationError",
        message: refusalText(refused, "host"),
        path: refused.path,
      });
      return;
    }
    const { bytes } = measure(value, this.#maxMessageBytes);
    if (bytes > this.#maxMessageBytes) {
      records.push(ERR, id, {
        name: "PayloadTooLargeError",
        message: `the result is over ${this.#maxMessageBytes} bytes`,
        size: bytes,
      });
      return;
    }
    if (typeof value !== "object" || value === null) {
      records.push(OK, id, value);
      return;
    }
    const marked = takeTransfers([value]);
    const copied = marked === undefined && this.#options.copiesOnce ? copyOnce(value) : undefined;
    records.push(OK, id, copied === undefined ? value : copied.value);
    this.#replies.transfer(copied === undefined ? marked : [copied.transfer]);
  }

  /** Sends one batch of replies: through the channel when it can carry it, else as a message. */
  #send(records: unknown[], transfer: Transferable[] | undefined): void {
    const channel = this.#channel;
    const sent = channel === undefined || transfer !== undefined ? "no" : channel.send(records);
    if (sent === "no") this.#options.post({ type: "batch", records }, transfer);
    else if (sent === "wake") this.#options.post({ type: "wake" });
    // Answered: watch for the next request for a moment, as a chatty host sends it at once.
    if (channel !== undefined && this.#outstanding === 0 && !this.#draining && !this.#drainQueued) {
      this.#drainQueued = true;
      queueMicrotask(this.#drainLater);
    }
  }

  /** A reply batch that could not be serialised: only a result may fail, and its call fails, saying why. */
  #unsendable(record: unknown[], cause: unknown): void {
    if (record[0] !== OK) throw cause;
    const reason = toWireError(cause);
    this.#options.post({
      type: "batch",
      records: [ERR, record[1], {
        name: "DataCloneError",
        message: `the result cannot be sent to the host: ${reason.message}`,
      }],
    });
  }

  /**
   * Takes the host's batches from the channel and answers them, spinning
   * briefly for the next one while nothing else needs the event loop.
   */
  #drain(woken: boolean): void {
    this.#drainQueued = false;
    const channel = this.#channel;
    if (channel === undefined || this.#draining) return;
    this.#draining = true;
    try {
      do {
        channel.watching(true);
        this.#pump(channel, woken);
      } while (channel.watching(false));
    } finally {
      this.#draining = false;
    }
  }

  /**
   * @param woken The host woke this side with a message: it gets its reply
   *   by a message too, and sends its next call only once that arrives, so
   *   the first wait is longer, to catch that call and get back to spinning.
   */
  #pump(channel: ChannelEnd, woken: boolean): void {
    let budget = woken ? this.#wokenSpinMs : this.#spinMs;
    for (;;) {
      const batch = channel.receive();
      if (batch !== undefined) {
        this.#ordered.take(batch.order, batch.records);
        this.#replies.flush();
        continue;
      }
      // Async plugin code and batches that wait for a message need the event loop to turn.
      if (this.#outstanding > 0 || this.#ordered.holding) return;
      if (!channel.spin(budget)) return;
      budget = this.#spinMs;
    }
  }
}
