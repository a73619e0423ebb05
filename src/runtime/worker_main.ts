/**
 * The entry module of a plugin worker. It is trusted host code: the worker
 * starts here, and only after the host's `init` does it import the plugin's
 * entry module, through a computed specifier, so that Deno checks the plugin's
 * whole module graph against the worker's own (narrow) permissions.
 *
 * @module
 */
import type { HostMessage, PluginMessage } from "../wire/protocol.ts";
import { loadEntry } from "./dispatch.ts";
import { serve } from "./serve.ts";
import { installGlobalHost } from "./host_api.ts";
import { hardenWorker } from "./harden.ts";
import { quietEnvProbes } from "./env_probe.ts";
import { forwardConsole } from "./forward_console.ts";
// Loaded here, under the host's permissions, so that a plugin importing the
// SDK gets this already-evaluated module instead of needing read access to it.
import "./sdk.ts";

declare const self: {
  addEventListener(type: "message", listener: (event: MessageEvent<HostMessage>) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEvent<HostMessage>) => void): void;
};

// Captured before plugin code runs, so that a plugin replacing them breaks only itself.
const portPost = MessagePort.prototype.postMessage;
const portStart = MessagePort.prototype.start;
const addListener = EventTarget.prototype.addEventListener;
const apply = Reflect.apply;

/** The port the host handed over in init: the only way to the host, and only this module holds it. */
let port: MessagePort | undefined;

/** How many messages besides batches went to the host: logs, exits, environment probes. */
let sideMessages = 0;

function post(message: PluginMessage, transfer?: Transferable[]): void {
  if (port === undefined) return; // nothing is sent before init
  if (message.type !== "batch" && message.type !== "wake") sideMessages++;
  apply(portPost, port, transfer === undefined ? [message] : [message, { transfer }]);
}

const served = serve({
  post,
  sideMessages: () => sideMessages,
  installHost: installGlobalHost,
  copiesOnce: true,
  load(init) {
    hardenWorker(post, () => served.flush());
    quietEnvProbes(post, init.env);
    forwardConsole(post, { stdio: true });
    return loadEntry(init.entry);
  },
});

function onInit(event: MessageEvent<HostMessage>): void {
  const message = event.data;
  if (port !== undefined || message?.type !== "init" || !(message.port instanceof MessagePort)) {
    return;
  }
  self.removeEventListener("message", onInit);
  const { port: given, ...init } = message;
  port = given;
  apply(addListener, port, [
    "message",
    (next: MessageEvent<HostMessage>) => served.receive(next.data),
  ]);
  apply(portStart, port, []);
  served.receive(init);
}

self.addEventListener("message", onInit);
