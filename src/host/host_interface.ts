/**
 * The public interface of a plugin host.
 *
 * @module
 */
import type { Discovery } from "../load/discover.ts";
import type { LoadAllResult } from "./load_all.ts";
import type { PluginWatcher, WatchOptions } from "./watch.ts";
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
   * Finds the plugins in a folder without loading them: each subfolder that
   * holds a `plugin.json` (or `dir` itself, when it holds one), with its
   * parsed manifest. A broken plugin is a problem in the result, never a
   * throw; no plugin code runs.
   *
   * @param dir The folder of plugin folders.
   * @returns `found`: `{ dir, manifest }` per plugin; `problems`: `{ dir, error }` per broken one.
   * @throws {Deno.errors.NotFound} When `dir` does not exist (`NotADirectory`, `NotCapable` alike).
   *
   * @example Find the plugins of a folder
   * ```ts
   * import { createHost } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * await using host = createHost();
   * const { found } = await host.discover("./plugins");
   * assert.ok(found.some((plugin) => plugin.manifest.name === "myplugin"));
   * ```
   */
  discover(dir: string | URL): Promise<Discovery>;

  /**
   * Loads every plugin `discover(dir)` finds, in parallel, each with
   * `options`. One plugin that fails to load is listed in `failed`, with the
   * folders `discover` found broken; the others load.
   *
   * @param dir The folder of plugin folders.
   * @param options The options of each load.
   * @returns `loaded`: the plugins; `failed`: `{ dir, error }` per folder that did not load.
   *
   * @example Load a folder of plugins
   * ```ts
   * import { createHost } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * await using host = createHost({ isolation: "worker" });
   * const { loaded, failed } = await host.loadAll("./plugins/greeter/..", { isolation: "worker" });
   * assert.ok(loaded.some((plugin) => plugin.name === "greeter"));
   * assert.ok(failed.every((failure) => failure.error instanceof Error));
   * ```
   */
  loadAll<C extends Contract | readonly Contract[] = never>(
    dir: string | URL,
    options?: LoadOptions<C>,
  ): Promise<LoadAllResult<Plugin<SymbolsOf<C>>>>;

  /**
   * Reloads the loaded plugins under `dir` when their files change
   * (debounced, `debounceMs`, default 150), through `reload()`: every check
   * of a load, the lock, and the upgrade rule apply. A broken edit (a bad
   * manifest, a syntax error, a refused upgrade) fires `reload-failed` or
   * `upgrade-refused`, and the running version keeps serving; a good one
   * fires `reload`. Stop it with `close()`, `await using`, or the signal.
   *
   * @param dir The folder of plugin folders, or one plugin's folder.
   * @param options The signal that stops it, the debounce.
   * @returns The running watcher.
   *
   * @example Reload on change
   * ```ts
   * import { createHost } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * const write = (version: string) =>
   *   Promise.all([
   *     Deno.writeTextFile(`${dir}/plugin.json`, JSON.stringify({ name: "v", version })),
   *     Deno.writeTextFile(`${dir}/mod.ts`, `export const version = () => "${version}";`),
   *   ]);
   * await write("1.0.0");
   * await using host = createHost({ isolation: "worker" });
   * const plugin = await host.load(dir);
   * const reloaded = new Promise((resolve) => host.addEventListener("reload", resolve));
   * await using _watcher = host.watch(dir, { debounceMs: 50 });
   * await write("1.0.1");
   * await reloaded;
   * assert.equal(await plugin.call("version"), "1.0.1");
   * ```
   */
  watch(dir: string | URL, options?: WatchOptions): PluginWatcher;

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
