/**
 * The public interface of a loaded plugin: `lookup()` in the style of Go's
 * `plugin.Lookup`, `call()`, and `close()`.
 *
 * @module
 */
import type { Contract, ContractSymbols, RemoteOf } from "../contract/contract.ts";
import type { CallOptions, LookupOptions, Remote, StreamOptions } from "../contract/call_types.ts";
import type { Manifest } from "../manifest/manifest.ts";
import type { PermissionGrant } from "../permissions/permissions.ts";
import type { SymbolInfo } from "../wire/protocol.ts";
import type { IsolationName } from "./types.ts";
import type { ReloadOptions, ReloadResult } from "./reload_types.ts";
import type { LearnedPermissions } from "../permissions/learn.ts";

/**
 * A loaded plugin. `S` holds the symbols of its contract, when it was loaded
 * with one, so that `lookup()` is typed without generics.
 *
 * Every call, read and write has a deadline (`timeoutMs`) and may take a
 * `signal`. A function from `lookup()` keeps its arguments to itself: its
 * deadline and signal are the ones given to `lookup()`, so for a call of its
 * own, look it up with them (a lookup is cheap and sends nothing).
 * `call()`, and a variable's `get()` and `set()`, take them per call too.
 * A deadline always rejects with `PluginTimeoutError`, also one that came as
 * a signal made by `AbortSignal.timeout()`, which is kept as its `cause`;
 * any other abort rejects with the signal's reason.
 */
export interface Plugin<S extends ContractSymbols = Record<never, never>> extends AsyncDisposable {
  /** The plugin's name, from its manifest. */
  readonly name: string;
  /** The plugin's version, from its manifest. */
  readonly version: string;
  /** The plugin's folder, absolute; empty for a compiled-in plugin. */
  readonly dir: string;
  /** The plugin's parsed manifest. */
  readonly manifest: Manifest;
  /** The effective grant the plugin runs with: what it asked for and the host allowed. */
  readonly permissions: PermissionGrant;
  /** The isolation tier the plugin runs in, e.g. `"worker"`. */
  readonly isolation: IsolationName;
  /** The contract negotiated at load time, if the plugin was loaded with one. */
  readonly contract: Contract | undefined;
  /** Every export of the plugin with its kind, sorted by name. */
  readonly symbols: readonly SymbolInfo[];
  /** Whether the plugin was closed, or crashed with no restart left. */
  readonly closed: boolean;
  /** How many times the plugin was restarted after a crash. */
  readonly restarts: number;
  /**
   * Whether calls go over a low-latency channel: loaded with
   * `lowLatency: true` in the worker tier, and not restarting right now.
   */
  readonly lowLatency: boolean;

  /**
   * Looks up an export of the plugin's contract: typed from its schemas, and
   * validated at the boundary.
   *
   * @param name The export's name.
   * @param options Its expected kind; a deadline and a signal for every call through the result.
   * @returns An async function, or a {@linkcode Variable}.
   * @throws {SymbolNotFoundError} When the plugin does not export `name`.
   * @throws {SymbolKindError} When `options.kind` is given and differs.
   * @throws {RangeError} When `options.timeoutMs` is not a positive number.
   *
   * @example Typed by a contract
   * ```ts
   * import { createHost, defineContract, fn } from "@sandplug/host";
   * import { z } from "zod";
   * import assert from "node:assert/strict";
   *
   * const sorter = defineContract({
   *   name: "sorter",
   *   version: "1.0.0",
   *   symbols: { less: fn({ args: [z.number(), z.number()], returns: z.boolean() }) },
   * });
   * await using host = createHost();
   * host.register("qos", { less: (a: number, b: number) => a < b }, {
   *   implements: { sorter: "1.0.0" },
   * });
   * const plugin = await host.load("qos", { contract: sorter });
   * const less = plugin.lookup("less"); // (a: number, b: number) => Promise<boolean>
   * assert.equal(await less(1, 2), true);
   * ```
   */
  lookup<K extends keyof S & string>(name: K, options?: LookupOptions): RemoteOf<S[K]>;
  /**
   * Looks up an export by name, like Go's `p.Lookup("Name")`. A function
   * comes back as an async function; a variable as a {@linkcode Variable};
   * a constant as a read-only `Variable`. The deadline and signal in
   * `options` bound every call made through a function it returns.
   *
   * @param name The export's name.
   * @param options Its expected kind; a deadline and a signal for every call through the result.
   * @returns An async function, or a {@linkcode Variable}.
   * @throws {SymbolNotFoundError} When the plugin does not export `name`.
   * @throws {SymbolKindError} When `options.kind` is given and differs.
   * @throws {RangeError} When `options.timeoutMs` is not a positive number.
   *
   * @example Functions, with a deadline or a signal
   * ```ts
   * import { createHost, PluginTimeoutError } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * const math = { add: (a: number, b: number) => a + b, hang: () => new Promise(() => {}) };
   * await using host = createHost({ plugins: { math } });
   * const plugin = await host.load("math");
   * const add = plugin.lookup<(a: number, b: number) => number>("add");
   * assert.equal(await add(1, 2), 3);
   *
   * const hang = plugin.lookup<() => void>("hang", { timeoutMs: 20 });
   * await assert.rejects(hang(), PluginTimeoutError);
   * const aborted = plugin.lookup<() => void>("hang", { signal: AbortSignal.timeout(20) });
   * await assert.rejects(aborted(), (error: unknown) => {
   *   assert.ok(error instanceof PluginTimeoutError);
   *   assert.equal((error.cause as DOMException).name, "TimeoutError");
   *   return true;
   * });
   * ```
   */
  lookup<T = unknown>(name: string, options?: LookupOptions): Remote<T>;

  /**
   * Calls an exported function, with a deadline or an abort signal of its own.
   *
   * @param name The function's name.
   * @param args Its arguments, copied (an array the caller may reuse at once).
   * @param options A deadline and a signal for this call.
   * @returns What the function returned.
   * @throws {SymbolNotFoundError} When the plugin does not export `name`.
   * @throws {SymbolKindError} When `name` is not a function.
   * @throws {PluginCallError} When plugin code threw.
   * @throws {PluginTimeoutError} When the deadline passed.
   * @throws {RangeError} When `options.timeoutMs` is not a positive number.
   *
   * @example Call by name
   * ```ts
   * import { createHost, PluginTimeoutError } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * const math = { add: (a: number, b: number) => a + b, hang: () => new Promise(() => {}) };
   * await using host = createHost({ plugins: { math } });
   * const plugin = await host.load("math");
   * assert.equal(await plugin.call("add", [1, 2]), 3);
   * await assert.rejects(plugin.call("hang", [], { timeoutMs: 20 }), PluginTimeoutError);
   * ```
   */
  call(name: string, args?: readonly unknown[], options?: CallOptions): Promise<unknown>;

  /**
   * Calls an exported function that returns an async iterable (an
   * `async function*`) or a `ReadableStream`, and reads its items as they
   * come, with backpressure: the plugin is pulled at most `window` items
   * ahead of the reader. `break` in `for await`, or `cancel()`, returns the
   * plugin's iterator (its `finally` runs) before it settles.
   *
   * @param name The function's name.
   * @param args Its arguments, copied.
   * @param options A per-item deadline, a signal, and the window.
   * @returns The items. The stream errors with `PluginCallError` when plugin code threw,
   * `PluginTimeoutError` when an item does not come within `timeoutMs`, the signal's reason,
   * or `PluginCrashedError` / `PluginClosedError`.
   * @throws {SymbolNotFoundError} When the plugin does not export `name`.
   * @throws {SymbolKindError} When `name` is not a function.
   * @throws {RangeError} When `options.timeoutMs` or `options.window` is not a positive number.
   *
   * @example Read the first items of an endless stream
   * ```ts
   * import { createHost } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * let cleanedUp = false;
   * const counter = {
   *   async *count() {
   *     try {
   *       for (let n = 1;; n++) yield n;
   *     } finally {
   *       cleanedUp = true;
   *     }
   *   },
   * };
   * await using host = createHost({ plugins: { counter } });
   * const plugin = await host.load("counter");
   * const seen: unknown[] = [];
   * for await (const n of plugin.stream("count")) {
   *   seen.push(n);
   *   if (seen.length === 3) break;
   * }
   * assert.deepEqual(seen, [1, 2, 3]);
   * assert.equal(cleanedUp, true);
   * ```
   */
  stream<T = unknown>(
    name: string,
    args?: readonly unknown[],
    options?: StreamOptions,
  ): ReadableStream<T>;

  /**
   * Loads the plugin's folder again as a new version beside the running one,
   * with every check a load makes (manifest, grant, module graph, packages,
   * contract), and swaps it in once it is ready: new calls go to it, while
   * calls and streams in flight finish on the old version (within their
   * deadlines, and `drainTimeoutMs`), which is then closed. No call fails
   * for the swap, and this handle stays the same object; variables start from
   * the new version's values. Reloads of one plugin run one after another.
   *
   * A new version that widens the grant (a new kind, or an item the old grant
   * did not cover) runs only if `onUpgrade` (of the reload, else the load,
   * else the host) approves it; narrowing needs no approval. A refused or
   * failed reload rejects, and the running version keeps serving.
   *
   * @param options Approval of widening, a signal, the new version's load deadline, the drain bound.
   * @returns The versions, the permission diff, and `drained`, settled once the old version is closed.
   * @throws {UpgradeRefusedError} When the new version widens the grant unapproved, no longer fits the contract the plugin was loaded with, or is another plugin.
   * @throws {PluginError} What loading the new version threw, e.g. `ManifestError`, `PluginLoadError`.
   * @throws {PluginClosedError} When the plugin is closed.
   *
   * @example Reload a plugin after its code changed
   * ```ts
   * import { createHost } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * const write = (version: string, greeting: string) =>
   *   Promise.all([
   *     Deno.writeTextFile(`${dir}/plugin.json`, JSON.stringify({ name: "greeter", version })),
   *     Deno.writeTextFile(`${dir}/mod.ts`, `export const greet = () => "${greeting}";`),
   *   ]);
   * await write("1.0.0", "hello");
   * await using host = createHost({ isolation: "worker" });
   * const plugin = await host.load(dir);
   * assert.equal(await plugin.call("greet"), "hello");
   *
   * await write("1.1.0", "bonjour");
   * const { from, to, diff } = await plugin.reload();
   * assert.deepEqual([from, to, diff.widens], ["1.0.0", "1.1.0", false]);
   * assert.equal(await plugin.call("greet"), "bonjour");
   * ```
   */
  reload(options?: ReloadOptions): Promise<ReloadResult>;

  /**
   * Learn mode (a plugin loaded with `learn: true`): the smallest
   * `permissions` for its `plugin.json` that would have allowed everything it
   * used or was refused so far, beside what its manifest holds already;
   * paths inside its folder as `./…`, ready to paste. `unresolved` lists what
   * no manifest item can allow. In the process tier Deno audits every check;
   * in the worker tier only refusals that reach the host count (see
   * `LoadOptions.learn`).
   *
   * @throws {TypeError} When the plugin was not loaded with `learn: true`.
   *
   * @example Learn what a plugin needs
   * ```ts
   * import { createHost } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * await Deno.writeTextFile(`${dir}/plugin.json`, JSON.stringify({ name: "home", version: "1.0.0" }));
   * await Deno.writeTextFile(`${dir}/mod.ts`, `export const home = () => Deno.env.get("HOME");`);
   * await using host = createHost({ isolation: "worker" });
   * const plugin = await host.load(dir, { learn: true });
   * assert.equal(await plugin.call("home"), undefined); // an ungranted variable reads as unset
   * assert.deepEqual(plugin.learned().permissions, { env: ["HOME"] });
   * ```
   */
  learned(): LearnedPermissions;

  /**
   * Ends the plugin; pending calls reject with `PluginClosedError`, and so
   * do later ones. Idempotent; `await using` calls it too.
   *
   * @returns A promise that settles once the plugin's isolate has ended.
   *
   * @example Close a plugin
   * ```ts
   * import { createHost, PluginClosedError } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * await using host = createHost({ plugins: { math: { add: (a: number, b: number) => a + b } } });
   * const plugin = await host.load("math");
   * await plugin.close();
   * assert.equal(plugin.closed, true);
   * await assert.rejects(plugin.call("add", [1, 2]), PluginClosedError);
   * ```
   */
  close(): Promise<void>;
}
