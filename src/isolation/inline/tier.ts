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
import { runAsPlugin } from "./host_context.ts";
import { type HostCaller, HostCallError } from "../../runtime/host_api.ts";

function startInline(spec: IsolateSpec, events: IsolateEvents): Isolate {
  // Chosen now, so that a changed plugin that cannot be imported afresh fails to start.
  const url = spec.module === undefined ? entryUrl(spec) : undefined;
  let ended = false;
  let direct: Readonly<Record<string, unknown>> | undefined;
  let caller: HostCaller | undefined;
  // Plugin code that may call the host runs in its own async context, so that the SDK's
  // `host` finds this plugin's caller; its calls then go by message, never directly.
  const hasHost = (spec.grant.host?.length ?? 0) > 0;
  const { receive } = serve({
    post(message: PluginMessage) {
      if (!ended) events.message(message);
    },
    installHost(given) {
      if (!hasHost) return;
      // An async context can outlive its plugin (Deno's AsyncLocalStorage may carry it into
      // later code): a call made through a closed plugin's context fails at once, not never.
      caller = (name, args, options) =>
        ended
          ? Promise.reject(
            new HostCallError(
              "Error",
              `the plugin "${spec.plugin}" that this call belongs to is closed`,
            ),
          )
          : given(name, args, options);
    },
    async load() {
      if (spec.module !== undefined) {
        direct = hasHost ? undefined : spec.module;
        return { reply: readyReply(spec.module), dispatcher: createDispatcher(spec.module) };
      }
      const loaded = await runAsPlugin(caller, () => loadEntry(url ?? spec.entry));
      direct = hasHost ? undefined : loaded.namespace;
      return loaded;
    },
  });
  return {
    get direct() {
      return ended ? undefined : direct;
    },
    send(message: HostMessage) {
      // Asynchronous like every other tier: no reply arrives inside send().
      if (!ended) queueMicrotask(() => runAsPlugin(caller, () => receive(message)));
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
