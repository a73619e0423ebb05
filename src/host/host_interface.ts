/**
 * The public interface of a plugin host.
 *
 * @module
 */
import type { Contract, SymbolsOf } from "../contract/contract.ts";
import type { HostPolicy } from "../permissions/permissions.ts";
import type { HostEventMap } from "./events.ts";
import type { Plugin } from "./plugin.ts";
import type { LoadOptions, PluginModule, RegisterOptions } from "./types.ts";

/**
 * A plugin host. It is an `EventTarget` that dispatches the `CustomEvent`s of
 * {@linkcode HostEventMap}: `"load"`, `"close"`, `"crash"`, `"restart"`,
 * `"log"` and `"denied"` (a permission a plugin tried and was refused: useful
 * for writing its manifest).
 */
export interface Host extends EventTarget, AsyncDisposable {
  /**
   * The policy the host was created with, its paths made absolute and every
   * kind present: `true`, or the list of what it allows (empty: nothing).
   *
   * @example What a host allows
   * ```ts
   * import { createHost } from "@sandplug/host";
   * import assert from "node:assert/strict";
   * import { resolve } from "node:path";
   *
   * await using host = createHost({ allow: { read: ["./plugins"], env: true } });
   * assert.deepEqual(host.policy.read, [resolve("./plugins")]);
   * assert.equal(host.policy.env, true);
   * assert.deepEqual(host.policy.net, []);
   * ```
   */
  readonly policy: HostPolicy;
  /** The plugins loaded and not yet ended (closed, or crashed past their restart policy). */
  readonly plugins: readonly Plugin[];
  /** Whether the host was closed. */
  readonly closed: boolean;

  /**
   * Registers a plugin compiled into the host, so that `load(name)` runs it
   * in the inline tier. Its name is a bare plugin name, never a path, so
   * `load()` cannot mistake it for a folder nor a folder for it.
   *
   * @param name The plugin's name (as in a manifest: lowercase letters, digits, dashes).
   * @param module The plugin's exports.
   * @param options Its version and the contracts it implements.
   * @throws {TypeError} When the name is taken or the module is not an object.
   * @throws {ManifestError} When the name or a version is malformed, e.g. a path.
   *
   * @example Register a module, then load it by name
   * ```ts
   * import { createHost } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * await using host = createHost();
   * host.register("sorter", { less: (a: number, b: number) => a < b }, { version: "1.2.0" });
   * const plugin = await host.load("sorter");
   * assert.equal(plugin.version, "1.2.0");
   * assert.equal(await plugin.call("less", [1, 2]), true);
   * ```
   */
  register(name: string, module: PluginModule, options?: RegisterOptions): void;

  /**
   * Loads a plugin, like Go's `plugin.Open`. A bare name (no `/` or `\`, not
   * `.` or `..`) always means a compiled-in plugin, and anything else, or a
   * URL, a folder or `plugin.json` on disk: write `"./qos"` for a folder
   * called `qos` in the working directory.
   *
   * @param path The plugin's folder, the path of its `plugin.json`, or the name of a compiled-in plugin.
   * @param options A contract to check and type it against, a tier, a deadline, a signal.
   * @returns The loaded plugin.
   * @throws {ManifestError} When plugin.json is missing or invalid.
   * @throws {PermissionDeniedError} When it asks for more than the policy allows.
   * @throws {IncompatiblePluginError} When it does not fit the contract or protocol.
   * @throws {PluginLoadError} When its code fails to load, or a bare name is not a compiled-in plugin.
   * @throws {UnstableFlagError} When Deno's worker-options feature is off, or the host cannot tell.
   * @throws {HostClosedError} When the host is closed, or closes while the plugin loads.
   *
   * @example Load a folder, look up its exports
   * ```ts
   * import { createHost, PluginLoadError, type Variable } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * await using host = createHost();
   * const plugin = await host.load("./plugins/myplugin");
   * await plugin.lookup<Variable<number>>("PluginInputNumber").set(7);
   * assert.equal(await plugin.call("Describe"), "My custom code prints PluginInputNumber: 7");
   * // A bare name means a compiled-in plugin, never a folder.
   * await assert.rejects(host.load("myplugin"), PluginLoadError);
   * ```
   */
  load<C extends Contract | readonly Contract[] = never>(
    path: string | URL,
    options?: LoadOptions<C>,
  ): Promise<Plugin<SymbolsOf<C>>>;

  /**
   * Closes every plugin and refuses further loads with `HostClosedError`.
   * Idempotent; `await using` calls it too.
   *
   * @returns A promise that settles once every plugin is closed.
   *
   * @example Close a host and its plugins
   * ```ts
   * import { createHost, HostClosedError } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * const host = createHost({ plugins: { qos: { less: (a: number, b: number) => a < b } } });
   * const plugin = await host.load("qos");
   * await host.close();
   * assert.equal(plugin.closed, true);
   * assert.deepEqual(host.plugins, []);
   * await assert.rejects(host.load("qos"), HostClosedError);
   * ```
   */
  close(): Promise<void>;

  /**
   * Listens to one of the host's events; the listener's event is typed by
   * the event's name (see {@linkcode HostEventMap}).
   *
   * @param type `"load"`, `"close"`, `"crash"`, `"restart"`, `"log"` or `"denied"`.
   * @param listener Called with the event.
   * @param options As for any `EventTarget`.
   *
   * @example Hear of loads and closes
   * ```ts
   * import { createHost } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * const host = createHost({ plugins: { qos: {} } });
   * const seen: string[] = [];
   * host.addEventListener("load", (event) => seen.push(`load ${event.detail.plugin}`));
   * host.addEventListener("close", (event) => seen.push(`close ${event.detail.plugin}`));
   * await host.load("qos");
   * await host.close();
   * assert.deepEqual(seen, ["load qos", "close qos"]);
   * ```
   */
  addEventListener<K extends keyof HostEventMap>(
    type: K,
    listener: (this: Host, event: HostEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /**
   * Listens to an event by any name, as on every `EventTarget`.
   *
   * @param type The event's name.
   * @param listener Called with the event.
   * @param options As for any `EventTarget`.
   */
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;

  /**
   * Stops a listener added with {@linkcode Host.addEventListener}.
   *
   * @param type The event's name.
   * @param listener The listener that was added.
   * @param options As for any `EventTarget`.
   *
   * @example Listen once by hand
   * ```ts
   * import { createHost, type HostEventMap } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * await using host = createHost({ plugins: { a: {}, b: {} } });
   * const loaded: string[] = [];
   * const listener = (event: HostEventMap["load"]) => {
   *   loaded.push(event.detail.plugin);
   *   host.removeEventListener("load", listener);
   * };
   * host.addEventListener("load", listener);
   * await host.load("a");
   * await host.load("b");
   * assert.deepEqual(loaded, ["a"]);
   * ```
   */
  removeEventListener<K extends keyof HostEventMap>(
    type: K,
    listener: (this: Host, event: HostEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  /**
   * Stops a listener added by any event name, as on every `EventTarget`.
   *
   * @param type The event's name.
   * @param listener The listener that was added.
   * @param options As for any `EventTarget`.
   */
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}
