/**
 * The inline tier: trusted plugins in the host's own isolate, as Go's
 * `plugin` package and the Kubernetes scheduler framework run theirs. No
 * sandbox at all: plugin code holds every permission the host holds, shares
 * its heap, and can end it. Values cross by reference, not by copy.
 *
 * What plugin code writes with `console.*` is its log, tagged and routed as
 * in the other tiers (see `inline_console.ts`): its module's top-level code,
 * every call by message, async functions and timers wherever they started.
 * Not attributed: promise callbacks and event listeners that a synchronous
 * export, called directly, leaves behind (but for one that returned a
 * promise, from its second call on): they print as host code. Once the
 * plugin is closed, what code it left running still writes is dropped, as a
 * closed worker or process can no longer write anything.
 *
 * @module
 */
import type { HostMessage, PluginMessage } from "../../wire/protocol.ts";
import { createDispatcher, loadEntry, readyReply } from "../../runtime/dispatch.ts";
import { serve } from "../../runtime/serve.ts";
import type { Isolate, IsolateEvents, IsolateSpec, IsolationTier } from "../types.ts";
import { callDirect } from "./call_direct.ts";
import { entryUrl } from "./entry_url.ts";
import {
  installHostSlot,
  type PluginContext,
  runAsHost,
  runAsPlugin,
  runSyncAsHost,
} from "./plugin_context.ts";
import { installInlineConsole, PluginConsole } from "./inline_console.ts";
import { installScopedTimers } from "./scoped_timers.ts";
import { directTargets } from "./direct_target.ts";
import { Inbox } from "./inbox.ts";
import { HostCallError } from "../../runtime/host_api.ts";

function startInline(spec: IsolateSpec, events: IsolateEvents): Isolate {
  // Chosen now, so that a changed plugin that cannot be imported afresh fails to start.
  const url = spec.module === undefined ? entryUrl(spec) : undefined;
  installInlineConsole();
  installScopedTimers();
  let ended = false;
  let direct: Readonly<Record<string, unknown>> | undefined;
  // What the plugin sends reaches the host as host code, and nothing once the isolate ended.
  const post = (message: PluginMessage) => {
    if (!ended) runSyncAsHost(events.message, message);
  };
  const logs = new PluginConsole((level, text) => {
    if (!ended) runAsHost(events.message, { type: "log", level, text });
  });
  const context: PluginContext = {
    caller: undefined,
    write: (method, args) => logs.write(method, args),
  };
  // Plugin code that may call the host runs in the plugin's async context, so that the SDK's
  // `host` finds its caller; its calls then go by message, never directly.
  const hasHost = (spec.grant.host?.length ?? 0) > 0;
  const { receive } = serve({
    post,
    installHost(given) {
      if (!hasHost) return;
      installHostSlot();
      // An async context can outlive its plugin (Deno's AsyncLocalStorage may carry it into
      // later code): a call made through a closed plugin's context fails at once, not never.
      context.caller = (name, args, options) =>
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
        direct = hasHost ? undefined : directTargets(spec.module, context);
        return { reply: readyReply(spec.module), dispatcher: createDispatcher(spec.module) };
      }
      const loaded = await runAsPlugin(context, loadEntry, url ?? spec.entry);
      const { namespace } = loaded;
      direct = hasHost || namespace === undefined ? undefined : directTargets(namespace, context);
      return loaded;
    },
  });
  const inbox = new Inbox<HostMessage>(context, receive);
  return {
    get direct() {
      return ended ? undefined : direct;
    },
    send(message: HostMessage) {
      // Asynchronous like every other tier: no reply arrives inside send().
      if (!ended) inbox.push(message);
    },
    terminate() {
      ended = true;
      inbox.close();
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
