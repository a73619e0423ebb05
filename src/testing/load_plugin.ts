/**
 * `loadPlugin()`: one plugin in one tier, on a host of its own, with what a
 * test needs to check it against its manifest, closed by `await using`.
 *
 * @module
 */
import {
  type Contract,
  createHost,
  type Host,
  type HostOptions,
  type IsolationName,
  type LoadOptions,
  PermissionPromptError,
  type Plugin,
  type SymbolsOf,
  UnstableFlagError,
} from "../../mod.ts";
import { attachRecorder, watchDenials } from "./denials.ts";
import { policyFor, readPluginFolder } from "./plugin_folder.ts";

/**
 * Options of {@linkcode loadPlugin}.
 *
 * @example A contract, the host functions it needs, and a quiet console
 * ```ts
 * import { defineContract, fn } from "@sandplug/host";
 * import { loadPlugin, type LoadPluginOptions } from "@sandplug/host/testing";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const counter = defineContract({
 *   name: "counter",
 *   version: "1.0.0",
 *   symbols: {
 *     put: fn({ args: [z.string(), z.number()], returns: z.void() }),
 *     get: fn({ args: [z.string()], returns: z.number() }),
 *   },
 *   host: { sum: fn({ args: [z.number(), z.number()], returns: z.number() }) },
 * });
 * const options: LoadPluginOptions<typeof counter> = {
 *   tier: "worker",
 *   host: { log: () => {} },
 *   load: { contract: counter, provide: { sum: (a, b) => a + b } },
 * };
 * await using loaded = await loadPlugin("./plugins/counter", options);
 * await loaded.plugin.lookup("put")("apples", 2);
 * assert.equal(await loaded.plugin.lookup("get")("apples"), 2);
 * ```
 */
export interface LoadPluginOptions<C extends Contract | readonly Contract[] = never> {
  /**
   * The tier to load the plugin in.
   *
   * @default {"process"}
   */
  tier?: IsolationName;
  /**
   * The options of the plugin's host. Its `isolation` is the tier's.
   *
   * @default {{ allow: exactly what plugin.json asks for, paths resolved against the plugin folder }}
   */
  host?: HostOptions;
  /**
   * The options of the load: a contract, the host functions it provides.
   *
   * @default {{ learn: true }: learn mode, so that assertWithinManifest() also sees, in the
   * process tier, the refusals plugin code caught}
   */
  load?: LoadOptions<C>;
}

/**
 * A plugin loaded by {@linkcode loadPlugin}, with its host; disposing of it closes both.
 *
 * @example Close by hand rather than with `await using`
 * ```ts
 * import { loadPlugin } from "@sandplug/host/testing";
 * import assert from "node:assert/strict";
 *
 * const loaded = await loadPlugin("./plugins/myplugin", { tier: "inline" });
 * assert.equal(loaded.tier, "inline");
 * assert.deepEqual(loaded.host.plugins, [loaded.plugin]);
 * await loaded.close();
 * assert.equal(loaded.plugin.closed, true);
 * assert.equal(loaded.host.closed, true);
 * ```
 */
export interface LoadedPlugin<C extends Contract | readonly Contract[] = never>
  extends AsyncDisposable {
  /** The plugin. */
  readonly plugin: Plugin<SymbolsOf<C>>;
  /** Its host, which holds no other plugin. */
  readonly host: Host;
  /** The tier it runs in. */
  readonly tier: IsolationName;
  /** Closes the plugin and its host. Idempotent. */
  close(): Promise<void>;
}

/** The errors of a tier that cannot run in this Deno process at all, whatever the plugin. */
function unavailableHere(error: unknown): error is UnstableFlagError | PermissionPromptError {
  return error instanceof UnstableFlagError || error instanceof PermissionPromptError;
}

/**
 * Loads a plugin folder in one tier, on a host of its own that allows exactly
 * what its manifest asks for, in learn mode, for one test: `await using`
 * closes the plugin and the host, so Deno's sanitizers pass. A plugin loaded
 * here can be checked with `assertWithinManifest()`.
 *
 * @param dir The plugin's folder, its `plugin.json`, or a `file:` URL of either.
 * @param options The tier, and the options of the host and of the load.
 * @returns The plugin, its host and tier.
 * @throws {PluginError} What `host.load()` throws, e.g. `ManifestError`, `PluginLoadError`.
 * @throws {UnstableFlagError} For the worker tier, when Deno's worker-options feature is off;
 * its message says how to turn it on, or to test another tier.
 * @throws {RangeError} When plugin.json asks for more isolation than `options.tier`.
 *
 * @example Load a plugin in the worker tier for one test
 * ```ts
 * import { loadPlugin } from "@sandplug/host/testing";
 * import assert from "node:assert/strict";
 *
 * await using loaded = await loadPlugin("./plugins/qos-sort", { tier: "worker" });
 * assert.equal(loaded.plugin.isolation, "worker");
 * const high = { name: "a", priority: 10, qos: "BestEffort" };
 * const low = { name: "b", priority: 1, qos: "Guaranteed" };
 * assert.equal(await loaded.plugin.call("Less", [high, low]), true);
 * ```
 */
export async function loadPlugin<C extends Contract | readonly Contract[] = never>(
  dir: string | URL,
  options: LoadPluginOptions<C> = {},
): Promise<LoadedPlugin<C>> {
  const tier = options.tier ?? "process";
  const folder = await readPluginFolder(dir);
  const host = createHost({ allow: policyFor(folder), ...options.host, isolation: tier });
  // Listening before the load: what its module does as it loads counts too.
  const { recorder, stop: stopWatching } = watchDenials(host, folder.manifest.name, tier);
  let plugin: Plugin<SymbolsOf<C>>;
  try {
    plugin = await host.load<C>(folder.dir, { learn: true, ...options.load, isolation: tier });
  } catch (error) {
    stopWatching();
    await host.close();
    if (!unavailableHere(error)) throw error;
    // The host's message says how to turn the tier on; a test can also leave the tier out.
    error.message += `; or leave "${tier}" out of the tiers this test runs in`;
    throw error;
  }
  if (plugin.isolation !== tier) {
    stopWatching();
    await host.close();
    throw new RangeError(
      `Cannot test plugin "${plugin.name}" in the ${tier} tier: its plugin.json asks for ` +
        `isolation ${JSON.stringify(folder.manifest.isolation)}, so the host ran it in the ` +
        `${plugin.isolation} tier; leave "${tier}" out of the tiers this test runs in`,
    );
  }
  attachRecorder(plugin, recorder);
  const close = async () => {
    stopWatching();
    await host.close();
  };
  return { plugin, host, tier, close, [Symbol.asyncDispose]: close };
}
