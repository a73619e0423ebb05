/**
 * The entry module of a plugin worker. It is trusted host code: the worker
 * starts here, and only after the host's `init` does it import the plugin's
 * entry module, through a computed specifier, so that Deno checks the plugin's
 * whole module graph against the worker's own (narrow) permissions.
 *
 * @module
 */
import type { HostMessage, PluginMessage } from "../protocol.ts";
import { loadEntry } from "./dispatch.ts";
import { serve } from "./serve.ts";
import { hardenWorker } from "./_harden.ts";
import { forwardConsole } from "./_forward_console.ts";
// Loaded here, under the host's permissions, so that a plugin importing the
// SDK gets this already-evaluated module instead of needing read access to it.
import "./sdk.ts";

declare const self: {
  addEventListener(type: "message", listener: (event: MessageEvent<HostMessage>) => void): void;
  postMessage(message: PluginMessage, options?: { transfer?: Transferable[] }): void;
};

// Captured before plugin code runs, so that a plugin replacing them breaks only itself.
const postMessage = self.postMessage.bind(self);
const post = (message: PluginMessage, transfer?: Transferable[]) =>
  transfer === undefined ? postMessage(message) : postMessage(message, { transfer });

const receive = serve({
  post,
  copiesOnce: true,
  load(init) {
    hardenWorker(post);
    forwardConsole(post);
    return loadEntry(init.entry);
  },
});

self.addEventListener("message", (event) => receive(event.data));
