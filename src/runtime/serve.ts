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

/** Runs the host's batches in the order it sent them, holding any that overtook another. */
class InOrder {
  readonly #run: (records: unknown[]) => void;
  readonly #held = new Map<number, unknown[]>();
  #next = 1;

  constructor(run: (records: unknown[]) => void) {
    this.#run = run;
  }

  /** Whether a batch waits for one sent before it. */
  get holding(): boolean {
    return this.#held.size > 0;
  }

  /** Runs a batch now, or once those before it ran; `order` is absent without the channel. */
  take(order: number | undefined, records: unknown[]): void {
    if (order === undefined) return this.#run(records);
    if (order !== this.#next) {
      this.#held.set(order, records);
      return;
    }
    this.#run(records);
    for (this.#next++; this.#held.has(this.#next); this.#next++) {
      const held = this.#held.get(this.#next)!;
      this.#held.delete(this.#next);
      this.#run(held);
    }
  }
}

/** Returns the function that takes each message from the host. */
export function serve(options: ServeOptions): (message: HostMessage) => void {
  let dispatcher: Dispatcher | undefined;
  let started = false;
  let maxMessageBytes = 0;
  let channel: ChannelEnd | undefined;
  let spinMs = 0;
  let wokenSpinMs = 0;
  /** Requests whose reply is not queued yet: while any runs, the loop must turn, not spin. */
  let outstanding = 0;
  let draining = false;
  let drainQueued = false;

  const replies = new RecordBatch(
    (records, transfer) => {
      const sent = channel === undefined || transfer !== undefined ? "no" : channel.send(records);
      if (sent === "no") options.post({ type: "batch", records }, transfer);
      else if (sent === "wake") options.post({ type: "wake" });
      // Answered: watch for the next request for a moment, as a chatty host sends it at once.
      if (channel !== undefined && outstanding === 0 && !draining && !drainQueued) {
        drainQueued = true;
        queueMicrotask(drain);
      }
    },
    pluginRecordLength,
    (record, cause) => {
      if (record[0] !== OK) throw cause;
      // Only this result could not be serialised: its call fails, saying why.
      const reason = toWireError(cause);
      options.post({
        type: "batch",
        records: [ERR, record[1], {
          name: "DataCloneError",
          message: `the result cannot be sent to the host: ${reason.message}`,
        }],
      });
    },
  );

  const reply: Reply = (id, ok, value) => {
    outstanding--;
    const records = replies.open();
    if (!ok) {
      records.push(ERR, id, value);
      return;
    }
    const { bytes } = measure(value, maxMessageBytes);
    if (bytes > maxMessageBytes) {
      records.push(ERR, id, {
        name: "PayloadTooLargeError",
        message: `the result is over ${maxMessageBytes} bytes`,
        size: bytes,
      });
      return;
    }
    if (typeof value !== "object" || value === null) {
      records.push(OK, id, value);
      return;
    }
    const marked = takeTransfers([value]);
    const copied = marked === undefined && options.copiesOnce ? copyOnce(value) : undefined;
    records.push(OK, id, copied === undefined ? value : copied.value);
    replies.transfer(copied === undefined ? marked : [copied.transfer]);
  };

  const ordered = new InOrder((records) => {
    if (dispatcher !== undefined) run(records, dispatcher);
  });

  async function start(init: InitMessage): Promise<void> {
    if (started) return;
    started = true;
    maxMessageBytes = init.maxMessageBytes;
    // Loaded only when asked for (most workers start without it), and before any plugin code runs.
    const shared = init.channel instanceof SharedArrayBuffer
      ? await import("../wire/shared_channel.ts")
      : undefined;
    const loaded = await options.load(init);
    dispatcher = loaded.dispatcher;
    if (shared !== undefined && dispatcher !== undefined) {
      channel = new shared.ChannelEnd(init.channel!, "plugin");
      spinMs = shared.PLUGIN_SPIN_MS;
      wokenSpinMs = shared.PLUGIN_WOKEN_SPIN_MS;
    }
    options.post(loaded.reply);
  }

  function run(records: unknown[], target: Dispatcher): void {
    for (let at = 0; at < records.length;) {
      const length = hostRecordLength(records, at);
      if (length === 0) return;
      const id = records[at + 1] as number;
      const symbol = records[at + 2] as string;
      switch (records[at]) {
        case CALL:
          outstanding++;
          target.call(id, symbol, records.slice(at + 4, at + length), reply);
          break;
        case GET:
          outstanding++;
          target.get(id, symbol, reply);
          break;
        case SET:
          outstanding++;
          target.set(id, symbol, records[at + 3], reply);
          break;
        case CANCEL:
          target.cancel(id);
          break;
        case PING:
          replies.open().push(PONG, id);
          break;
      }
      at += length;
    }
  }

  /**
   * Takes the host's batches from the channel and answers them, spinning
   * briefly for the next one while nothing else needs the event loop.
   */
  function drain(woken = false): void {
    drainQueued = false;
    if (channel === undefined || draining) return;
    draining = true;
    try {
      do {
        channel.watching(true);
        pump(channel, woken);
      } while (channel.watching(false));
    } finally {
      draining = false;
    }
  }

  /**
   * @param woken The host woke this side with a message: it gets its reply
   *   by a message too, and sends its next call only once that arrives, so
   *   the first wait is longer, to catch that call and get back to spinning.
   */
  function pump(channel: ChannelEnd, woken: boolean): void {
    let budget = woken ? wokenSpinMs : spinMs;
    for (;;) {
      const batch = channel.receive();
      if (batch !== undefined) {
        ordered.take(batch.order, batch.records);
        replies.flush();
        continue;
      }
      // Async plugin code and batches that wait for a message need the event loop to turn.
      if (outstanding > 0 || ordered.holding) return;
      if (!channel.spin(budget)) return;
      budget = spinMs;
    }
  }

  return (message) => {
    if (message.type === "init") {
      start(message).catch((error) => {
        // A failure of the loop itself (not of plugin code, which becomes error replies) is a crash.
        queueMicrotask(() => {
          throw error;
        });
      });
    } else if (message.type === "batch") {
      ordered.take(message.order, message.records);
    } else if (message.type === "wake") {
      drain(true);
    }
  };
}
