/**
 * The message loop of a plugin's runtime, shared by every tier: the
 * handshake, requests, cancellation, pings, and batches. Each tier gives it
 * a way to post messages and a way to load the plugin.
 *
 * @module
 */
import type { HostMessage, InitMessage, PluginMessage } from "../protocol.ts";
import type { Dispatcher } from "./dispatch.ts";
import { toWireError } from "./wire_error.ts";
import { takeTransfers } from "./transfer.ts";

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

/** The buffers that a reply's value (or a batch's values) marked for transfer. */
function transfersOf(message: PluginMessage): Transferable[] | undefined {
  if (message.type === "ok") return takeTransfers([message.value]);
  if (message.type !== "batch") return undefined;
  return takeTransfers(
    message.messages.map((inner) => inner.type === "ok" ? inner.value : undefined),
  );
}

/** Returns the function that takes each message from the host. */
export function serve(options: ServeOptions): (message: HostMessage) => void {
  let dispatcher: Dispatcher | undefined;
  let started = false;

  function send(message: PluginMessage): void {
    try {
      options.post(message, transfersOf(message));
    } catch (error) {
      if (message.type === "batch") {
        // One reply could not be serialised: send them one by one, so that only it fails.
        for (const inner of message.messages) send(inner);
      } else if (message.type === "ok") {
        const reason = toWireError(error);
        options.post({
          type: "err",
          id: message.id,
          error: {
            name: "DataCloneError",
            message: `the result cannot be sent to the host: ${reason.message}`,
          },
        });
      } else {
        throw error;
      }
    }
  }

  async function handle(
    message: HostMessage,
    reply: (message: PluginMessage) => void,
  ): Promise<void> {
    switch (message.type) {
      case "init": {
        if (started) return;
        started = true;
        const loaded = await options.load(message);
        dispatcher = loaded.dispatcher;
        reply(loaded.reply);
        return;
      }
      case "ping":
        reply({ type: "pong", id: message.id });
        return;
      case "cancel":
        dispatcher?.cancel(message.id);
        return;
      case "batch":
        await handleBatch(message.messages);
        return;
      default:
        if (dispatcher !== undefined) reply(await dispatcher.handle(message));
    }
  }

  /**
   * Runs a batch's requests together and sends the replies ready by the next
   * turn of the event loop as one batch; slower ones follow on their own.
   */
  async function handleBatch(messages: HostMessage[]): Promise<void> {
    const ready: PluginMessage[] = [];
    let collecting = true;
    const reply = (message: PluginMessage) => collecting ? ready.push(message) : send(message);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const nextTurn = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 0);
    });
    await Promise.race([Promise.all(messages.map((message) => handle(message, reply))), nextTurn]);
    clearTimeout(timer);
    collecting = false;
    if (ready.length === 1) send(ready[0]);
    else if (ready.length > 1) send({ type: "batch", messages: ready });
  }

  return (message) => {
    handle(message, send).catch((error) => {
      // A failure of the loop itself (not of plugin code, which becomes error replies) is a crash.
      queueMicrotask(() => {
        throw error;
      });
    });
  };
}
