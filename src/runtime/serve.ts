/**
 * The message loop of a plugin's runtime, shared by every tier: the
 * handshake, then batches of requests, cancels and pings. The replies of one
 * tick leave together as one batch. Each tier gives it a way to post messages
 * and a way to load the plugin.
 *
 * @module
 */
import type { HostMessage, InitMessage } from "../wire/protocol.ts";
import type { Dispatcher, Reply } from "./dispatch.ts";
import { toWireError } from "../wire/error_data.ts";
import { movable, outgoingRefusal } from "./outgoing_value.ts";
import type { ChannelEnd } from "../wire/shared_channel.ts";
import {
  CALL,
  CALL_REFS,
  CANCEL,
  ERR,
  GET,
  HOST_CALL,
  HOST_ERR,
  HOST_OK,
  hostRecordLength,
  OK,
  PING,
  pluginRecordLength,
  PONG,
  PULL,
  RecordBatch,
  SET,
  STREAM,
  STREAM_REFS,
} from "../wire/records.ts";
import { InOrder } from "../wire/in_order.ts";
import { HostClient } from "./host_client.ts";
import { StreamsOut } from "./stream_out.ts";
import { resolveRefs } from "./refs_out.ts";
import type { Served, ServeOptions } from "./serve_types.ts";
import { BatchSender } from "./batch_sender.ts";
import { CallStarts } from "./call_starts.ts";

export type { Served, ServeOptions } from "./serve_types.ts";

/** Starts the loop of one runtime. */
export function serve(options: ServeOptions): Served {
  const loop = new ServeLoop(options);
  return { receive: (message) => loop.receive(message), flush: () => loop.flush() };
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
  readonly #hostCalls: HostClient;
  readonly #sender: BatchSender;
  readonly #starts: CallStarts;
  readonly #streams: StreamsOut;

  constructor(options: ServeOptions) {
    this.#options = options;
    this.#sender = new BatchSender(options.post, options.sideMessages);
    this.#replies = new RecordBatch(
      (records, transfer) => this.#send(records, transfer),
      pluginRecordLength,
      (record, cause) => this.#unsendable(record, cause),
    );
    this.#starts = new CallStarts(this.#replies);
    this.#hostCalls = new HostClient(() => this.#replies.open(), () => this.#maxMessageBytes);
    this.#streams = new StreamsOut({
      records: () => this.#replies.open(),
      maxMessageBytes: () => this.#maxMessageBytes,
      ended: () => this.#outstanding--,
      transfer: (list) => this.#replies.transfer(list),
      copiesOnce: options.copiesOnce,
    });
  }

  /** Sends what is produced and not sent yet, now. */
  flush(): void {
    this.#streams.flushAll();
    this.#replies.flush();
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
    this.#options.installHost(this.#hostCalls.call);
    const loaded = await this.#options.load(init);
    this.#dispatcher = loaded.dispatcher;
    if (shared !== undefined && loaded.dispatcher !== undefined) {
      this.#channel = new shared.ChannelEnd(init.channel!, "plugin");
      this.#sender.channel = this.#channel;
      this.#spinMs = shared.PLUGIN_SPIN_MS;
      this.#wokenSpinMs = shared.PLUGIN_WOKEN_SPIN_MS;
    }
    this.#options.post(loaded.reply);
  }

  /**
   * Runs one batch of the host's records: requests go to the dispatcher,
   * answers to host calls to their callers, pings are answered. While the
   * plugin loads, only answers to host calls its top-level code made can come.
   */
  #run(records: unknown[]): void {
    const target = this.#dispatcher;
    for (let at = 0; at < records.length;) {
      const length = hostRecordLength(records, at);
      if (length === 0) return;
      const tag = records[at];
      const id = records[at + 1] as number;
      const symbol = records[at + 2] as string;
      if (tag === HOST_OK || tag === HOST_ERR) {
        this.#hostCalls.settle(id, tag === HOST_OK, records[at + 2]);
      } else if (target !== undefined) {
        switch (tag) {
          case CALL:
          case CALL_REFS: {
            this.#outstanding++;
            const args = records.slice(at + 4, at + length);
            const resolved = tag === CALL ? args : resolveRefs(args, this.#hostCalls.call);
            this.#starts.run(symbol, () => target.call(id, symbol, resolved, this.#reply), id);
            break;
          }
          case GET:
            this.#outstanding++;
            target.get(id, symbol, this.#reply);
            break;
          case SET:
            this.#outstanding++;
            target.set(id, symbol, records[at + 3], this.#reply);
            break;
          case STREAM:
          case STREAM_REFS: {
            this.#outstanding++;
            const args = records.slice(at + 5, at + length);
            const resolved = tag === STREAM ? args : resolveRefs(args, this.#hostCalls.call);
            this.#starts.run(
              symbol,
              () => this.#stream(target, id, symbol, records[at + 3], resolved),
            );
            break;
          }
          case PULL:
            this.#streams.pull(id, records[at + 2]);
            break;
          case CANCEL:
            target.cancel(id);
            this.#streams.cancel(id);
            break;
          case PING:
            this.#replies.open().push(PONG, id);
            break;
        }
      }
      at += length;
    }
  }

  /** Calls a function whose result the host reads as a stream, `window` items ahead at most. */
  #stream(target: Dispatcher, id: number, symbol: string, window: unknown, args: unknown[]): void {
    const credit = typeof window === "number" && window >= 1 ? Math.floor(window) : 1;
    target.call(id, symbol, args, (_, ok, value) => {
      if (ok) return this.#streams.start(id, symbol, value, credit);
      this.#outstanding--;
      this.#replies.open().push(ERR, id, value);
    });
  }

  /** Queues a request's reply: an error, a result too large, or the result with what it transfers. */
  #answer(id: number, ok: boolean, value: unknown): void {
    this.#outstanding--;
    this.#starts.answered();
    const records = this.#replies.open();
    if (!ok) {
      records.push(ERR, id, value);
      return;
    }
    const refused = outgoingRefusal(value, "result", this.#maxMessageBytes);
    if (refused !== undefined) {
      records.push(ERR, id, refused);
      return;
    }
    const { sent, transfer } = movable(value, this.#options.copiesOnce === true);
    records.push(OK, id, sent);
    this.#replies.transfer(transfer);
  }

  /** Sends one batch of replies: through the channel when it can carry it, else as a message. */
  #send(records: unknown[], transfer: Transferable[] | undefined): void {
    const channel = this.#channel;
    this.#sender.send(records, transfer);
    // Answered: watch for the next request for a moment, as a chatty host sends it at once.
    if (channel !== undefined && this.#outstanding === 0 && !this.#draining && !this.#drainQueued) {
      this.#drainQueued = true;
      queueMicrotask(this.#drainLater);
    }
  }

  /** A reply batch that could not be serialised: only a result may fail, and its call fails, saying why. */
  #unsendable(record: unknown[], cause: unknown): void {
    const reason = toWireError(cause);
    if (record[0] === HOST_CALL) {
      const message = `the arguments cannot be sent to the host: ${reason.message}`;
      return this.#hostCalls.settle(record[1], false, { name: "DataCloneError", message });
    }
    if (record[0] !== OK) throw cause;
    const message = `the result cannot be sent to the host: ${reason.message}`;
    this.#send([ERR, record[1], { name: "DataCloneError", message }], undefined);
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
