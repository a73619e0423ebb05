/**
 * The inline tier: trusted plugins in the host's own isolate, as Go's
 * `plugin` package and the Kubernetes scheduler framework run theirs. No
 * sandbox at all: plugin code holds every permission the host holds, shares
 * its heap, and can end it. Values cross by reference, not by copy.
 *
 * @module
 */
import type { HostMessage, PluginMessage } from "../protocol.ts";
import { createDispatcher, type Dispatcher, loadEntry, readyReply } from "../runtime/dispatch.ts";
import type { Isolate, IsolateEvents, IsolateSpec, IsolationTier } from "./types.ts";

function startInline(spec: IsolateSpec, events: IsolateEvents): Isolate {
  let dispatcher: Dispatcher | undefined;
  let ended = false;
  const deliver = (message: PluginMessage) => {
    if (!ended) events.message(message);
  };

  async function init(): Promise<void> {
    if (spec.module !== undefined) {
      dispatcher = createDispatcher(spec.module, spec.maxMessageBytes);
      deliver(readyReply(spec.module));
      return;
    }
    const loaded = await loadEntry(spec.entry, spec.maxMessageBytes);
    dispatcher = loaded.dispatcher;
    deliver(loaded.reply);
  }

  return {
    send(message: HostMessage) {
      if (ended) return;
      switch (message.type) {
        case "init":
          // Asynchronous like every other tier: the handshake never completes inside send().
          queueMicrotask(() => void init());
          return;
        case "ping":
          queueMicrotask(() => deliver({ type: "pong", id: message.id }));
          return;
        case "cancel":
          dispatcher?.cancel(message.id);
          return;
        default:
          if (dispatcher !== undefined) dispatcher.handle(message).then(deliver);
      }
    },
    terminate() {
      ended = true;
    },
  };
}

/**
 * Runs plugins in the host's own isolate: fastest, and no isolation at all.
 * For code the host trusts as its own, such as plugins compiled into it.
 */
export const inlineTier: IsolationTier = {
  name: "inline",
  enforces: { permissions: false, memoryLimit: false },
  start: startInline,
};
