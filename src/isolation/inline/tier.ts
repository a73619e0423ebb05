/**
 * The inline tier: trusted plugins in the host's own isolate, as Go's
 * `plugin` package and the Kubernetes scheduler framework run theirs. No
 * sandbox at all: plugin code holds every permission the host holds, shares
 * its heap, and can end it. Values cross by reference, not by copy.
 *
 * @module
 */
import type { HostMessage, PluginMessage } from "../../wire/protocol.ts";
import { createDispatcher, loadEntry, readyReply } from "../../runtime/dispatch.ts";
import { serve } from "../../runtime/serve.ts";
import type { Isolate, IsolateEvents, IsolateSpec, IsolationTier } from "../types.ts";
import { callDirect } from "./call_direct.ts";
import { entryUrl } from "./entry_url.ts";

function startInline(spec: IsolateSpec, events: IsolateEvents): Isolate {
  // Chosen now, so that a changed plugin that cannot be imported afresh fails to start.
  const url = spec.module === undefined ? entryUrl(spec) : undefined;
  let ended = false;
  let direct: Readonly<Record<string, unknown>> | undefined;
  const receive = serve({
    post(message: PluginMessage) {
      if (!ended) events.message(message);
    },
    async load() {
      if (spec.module !== undefined) {
        direct = spec.module;
        return { reply: readyReply(spec.module), dispatcher: createDispatcher(spec.module) };
      }
      const loaded = await loadEntry(url ?? spec.entry);
      direct = loaded.namespace;
      return loaded;
    },
  });
  return {
    get direct() {
      return ended ? undefined : direct;
    },
    send(message: HostMessage) {
      // Asynchronous like every other tier: no reply arrives inside send().
      if (!ended) queueMicrotask(() => receive(message));
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
  lowLatency: "direct",
  callDirect,
  start: startInline,
};
