/**
 * The message loop of a plugin's runtime, shared by every tier: the
 * handshake, then batches of requests, cancels and pings. The replies of one
 * tick leave together as one batch. Each tier gives it a way to post messages
 * and a way to load the plugin.
 *
 * @module
 */
import type { HostMessage, InitMessage, PluginMessage } from "../protocol.ts";
import type { Dispatcher, Reply } from "./dispatch.ts";
import { toWireError } from "./wire_error.ts";
import { takeTransfers } from "./transfer.ts";
import { measure } from "../_payload.ts";
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
} from "../_records.ts";

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
}

/** Returns the function that takes each message from the host. */
export function serve(options: ServeOptions): (message: HostMessage) => void {
  let dispatcher: Dispatcher | undefined;
  let started = false;
  let maxMessageBytes = 0;

  const replies = new RecordBatch(
    (records, transfer) => options.post({ type: "batch", records }, transfer),
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
    records.push(OK, id, value);
    if (typeof value === "object" && value !== null) replies.transfer(takeTransfers([value]));
  };

  async function start(init: InitMessage): Promise<void> {
    if (started) return;
    started = true;
    maxMessageBytes = init.maxMessageBytes;
    const loaded = await options.load(init);
    dispatcher = loaded.dispatcher;
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
          target.call(id, symbol, records.slice(at + 4, at + length), reply);
          break;
        case GET:
          target.get(id, symbol, reply);
          break;
        case SET:
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

  return (message) => {
    if (message.type === "init") {
      start(message).catch((error) => {
        // A failure of the loop itself (not of plugin code, which becomes error replies) is a crash.
        queueMicrotask(() => {
          throw error;
        });
      });
    } else if (message.type === "batch" && dispatcher !== undefined) {
      run(message.records, dispatcher);
    }
  };
}
