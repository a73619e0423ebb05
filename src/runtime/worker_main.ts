/**
 * The entry module of a plugin worker. It is trusted host code: the worker
 * starts here, and only after the host's `init` does it import the plugin's
 * entry module, through a computed specifier, so that Deno checks the plugin's
 * whole module graph against the worker's own (narrow) permissions.
 *
 * @module
 */
import type { HostMessage, PluginMessage } from "../protocol.ts";
import { type Dispatcher, loadEntry } from "./dispatch.ts";
import { toWireError } from "./wire_error.ts";
import { hardenWorker } from "./_harden.ts";
import { forwardConsole } from "./_forward_console.ts";
// Loaded here, under the host's permissions, so that a plugin importing the
// SDK gets this already-evaluated module instead of needing read access to it.
import "./sdk.ts";

declare const self: {
  addEventListener(type: "message", listener: (event: MessageEvent<HostMessage>) => void): void;
  postMessage(message: PluginMessage): void;
};

// Captured before plugin code runs, so that a plugin replacing them breaks only itself.
const post = self.postMessage.bind(self);
let dispatcher: Dispatcher | undefined;
let started = false;

function send(message: PluginMessage): void {
  try {
    post(message);
  } catch (error) {
    // The value cannot be cloned (a function, a symbol, …): reply with why.
    if (message.type === "ok") {
      const reason = toWireError(error);
      post({
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

self.addEventListener("message", async (event) => {
  const message = event.data;
  if (message.type === "init") {
    if (started) return;
    started = true;
    hardenWorker(post);
    forwardConsole(post);
    const loaded = await loadEntry(message.entry, message.maxMessageBytes);
    dispatcher = loaded.dispatcher;
    send(loaded.reply);
    return;
  }
  if (message.type === "ping") {
    post({ type: "pong", id: message.id });
    return;
  }
  if (dispatcher === undefined) return;
  if (message.type === "cancel") {
    dispatcher.cancel(message.id);
    return;
  }
  send(await dispatcher.handle(message));
});
