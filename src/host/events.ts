/**
 * What a host reports as events: one `CustomEvent` type per event name, so
 * that listeners are typed by the name they listen to.
 *
 * @module
 */
import type { PluginCrashedError, PluginError } from "../errors/errors.ts";
import type { UpgradeRefusedError } from "../errors/upgrade_errors.ts";
import type { PermissionDiff } from "../permissions/diff.ts";
import type { LogLevel } from "../wire/protocol.ts";

/**
 * Every field a host event's `detail` may carry, whatever the event; which
 * are set depends on the event. A listener added by event name gets the
 * exact shape from {@linkcode HostEventMap} instead.
 */
export interface HostEventDetail {
  /** The plugin's name. */
  plugin: string;
  /** `"crash"`: why the plugin ended; `"upgrade-refused"`, `"reload-failed"`: why the reload was not done. */
  error?: PluginError;
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
  /** `"reload"`, `"upgrade-refused"`: the running version before. */
  from?: string;
  /** `"reload"`, `"upgrade-refused"`: the new version. */
  to?: string;
  /** `"reload"`, `"upgrade-refused"`: the permission diff from the old grant to the new. */
  diff?: PermissionDiff;
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
  /** A plugin was reloaded: new calls go to version `to`; `from` finishes its calls and closes. */
  reload: CustomEvent<
    {
      readonly plugin: string;
      readonly from: string;
      readonly to: string;
      readonly diff: PermissionDiff;
    }
  >;
  /**
   * A reload was refused (it widens the grant unapproved, or no longer fits
   * the contract); the running version keeps serving.
   */
  "upgrade-refused": CustomEvent<
    {
      readonly plugin: string;
      readonly from: string;
      readonly to: string;
      readonly diff: PermissionDiff;
      readonly error: UpgradeRefusedError;
    }
  >;
  /**
   * A reload failed to load the new version (a bad manifest, a syntax error,
   * a failed check); the running version keeps serving.
   */
  "reload-failed": CustomEvent<{ readonly plugin: string; readonly error: PluginError }>;
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
