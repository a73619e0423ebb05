/**
 * What a host reports as events: one `CustomEvent` type per event name, so
 * that listeners are typed by the name they listen to.
 *
 * @module
 */
import type { PluginCrashedError } from "../errors/errors.ts";
import type { LogLevel } from "../wire/protocol.ts";

/**
 * Every field a host event's `detail` may carry, whatever the event; which
 * are set depends on the event. A listener added by event name gets the
 * exact shape from {@linkcode HostEventMap} instead.
 */
export interface HostEventDetail {
  /** The plugin's name. */
  plugin: string;
  /** `"crash"`: why the plugin ended. */
  error?: PluginCrashedError;
  /** `"restart"`: how many times the plugin was restarted, this one included. */
  attempt?: number;
  /** `"log"`: the console method's level. */
  level?: LogLevel;
  /** `"log"`: the line. */
  message?: string;
  /** `"denied"`: the permission kind the plugin was refused, e.g. `"net"`. */
  kind?: string;
  /** `"denied"`: the item, e.g. `"example.com:443"`, when Deno named one. */
  value?: string;
  /** `"denied"`: the symbol whose call was refused it, when known. */
  symbol?: string;
}

/**
 * The events a host dispatches, by name, each a `CustomEvent` whose
 * `detail` says which plugin it is about and what happened.
 *
 * @example A typed crash listener
 * ```ts
 * import { createHost, type HostEventMap } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * await using host = createHost();
 * const crashes: string[] = [];
 * host.addEventListener("crash", (event) => crashes.push(event.detail.error.reason));
 * const onLoad = (event: HostEventMap["load"]) => assert.equal(typeof event.detail.plugin, "string");
 * host.addEventListener("load", onLoad);
 * host.removeEventListener("load", onLoad);
 * assert.deepEqual(crashes, []);
 * ```
 */
export interface HostEventMap {
  /** A plugin was loaded. */
  load: CustomEvent<{ readonly plugin: string }>;
  /**
   * A plugin ended for good: it was closed (alone, or with its host), or its
   * restart policy gave up on it after a crash. A plugin loaded without a
   * restart policy that crashes ends with its `crash` event alone.
   */
  close: CustomEvent<{ readonly plugin: string }>;
  /** A plugin's isolate ended without being asked to, with calls pending or not. */
  crash: CustomEvent<{ readonly plugin: string; readonly error: PluginCrashedError }>;
  /** A crashed plugin runs again, on the same handle. */
  restart: CustomEvent<{ readonly plugin: string; readonly attempt: number }>;
  /** A line the plugin wrote to its console; the host's `log` sink gets it too. */
  log: CustomEvent<
    { readonly plugin: string; readonly level: LogLevel; readonly message: string }
  >;
  /**
   * Plugin code tried a permission outside its grant and was refused (seen in
   * an error it let through), or probed an environment variable outside it,
   * which it was told is unset (once per variable): useful for writing its
   * manifest. `symbol` is the call that did it, undefined when the runtime
   * cannot tell (while the module loads, or after the call's first `await`).
   */
  denied: CustomEvent<
    {
      readonly plugin: string;
      readonly kind: string;
      readonly value: string | undefined;
      readonly symbol: string | undefined;
    }
  >;
}
