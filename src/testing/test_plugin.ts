/**
 * `testPlugin()`: one plugin folder loaded in every tier it can run in, the
 * same assertions run against each, one Deno test step per tier.
 *
 * @module
 */
import type { Contract, Host, IsolationName, Plugin, SymbolsOf } from "../../mod.ts";
import { loadPlugin, type LoadPluginOptions } from "./load_plugin.ts";
import { readPluginFolder, tiersFor } from "./plugin_folder.ts";

/**
 * What {@linkcode testPlugin} runs in each tier: the plugin loaded there, the tier, its host.
 *
 * @example One check, written once, run in two tiers
 * ```ts
 * import type { Variable } from "@sandplug/host";
 * import { testPlugin, type TierTest } from "@sandplug/host/testing";
 * import assert from "node:assert/strict";
 *
 * const describesSeven: TierTest = async (plugin, tier, host) => {
 *   assert.equal(plugin.isolation, tier);
 *   assert.equal(host.plugins.length, 1);
 *   await plugin.lookup<Variable<number>>("PluginInputNumber").set(7);
 *   assert.equal(await plugin.call("Describe"), "My custom code prints PluginInputNumber: 7");
 * };
 * Deno.test("myplugin describes its input", (t) =>
 *   testPlugin(t, "./plugins/myplugin", describesSeven, { tiers: ["process", "worker"] }));
 * ```
 */
export type TierTest<C extends Contract | readonly Contract[] = never> = (
  plugin: Plugin<SymbolsOf<C>>,
  tier: IsolationName,
  host: Host,
) => void | Promise<void>;

/**
 * Options of {@linkcode testPlugin}.
 *
 * @example Only the process tier, with a policy of the test's own
 * ```ts
 * import { testPlugin, type TestPluginOptions } from "@sandplug/host/testing";
 * import assert from "node:assert/strict";
 *
 * const options: TestPluginOptions = { tiers: ["process"], host: { allow: { env: ["LANG"] } } };
 * Deno.test("myplugin runs in a process", (t) =>
 *   testPlugin(t, "./plugins/myplugin", (plugin) => {
 *     assert.equal(plugin.isolation, "process");
 *     assert.deepEqual(plugin.permissions.env, []);
 *   }, options));
 * ```
 */
export interface TestPluginOptions<C extends Contract | readonly Contract[] = never>
  extends Omit<LoadPluginOptions<C>, "tier"> {
  /**
   * The tiers to run in, in order. A tier that cannot run here (the worker
   * tier without Deno's worker-options feature) fails its step, saying how to
   * turn it on: it is never skipped unseen. Leave it out here instead.
   *
   * @default {"process" and "worker", unless plugin.json asks for a process or a memory cap;
   * and "inline" when it asks for no permission, package, memory cap or isolation}
   */
  tiers?: readonly IsolationName[];
}

/**
 * Loads a plugin folder in every tier it can run in and runs `fn` against
 * each, as one Deno test step per tier (`"process tier"`, `"worker tier"`,
 * `"inline tier (no sandbox: permissions not checked)"`), so a failure names its tier and the other tiers still
 * run. Each tier gets a host of its own that allows exactly what the
 * manifest asks for and loads the plugin in learn mode (see `loadPlugin()`);
 * both are closed after `fn`, passed or failed, so Deno's sanitizers pass.
 *
 * @param t The context of the `Deno.test` the steps belong to.
 * @param dir The plugin's folder, its `plugin.json`, or a `file:` URL of either.
 * @param fn The assertions, run once per tier.
 * @param options The tiers; the options of each host and load.
 * @returns A promise that settles once every tier's step has run.
 * @throws {ManifestError} When plugin.json is invalid (before any step).
 * @throws {RangeError} When `options.tiers` is empty or names no tier.
 *
 * @example The same assertions in every tier
 * ```ts
 * import { assertWithinManifest, testPlugin } from "@sandplug/host/testing";
 * import assert from "node:assert/strict";
 *
 * Deno.test("qos-sort puts the higher priority first, in every tier", async (t) => {
 *   const tiers: string[] = [];
 *   await testPlugin(t, "./plugins/qos-sort", async (plugin, tier) => {
 *     tiers.push(tier);
 *     const high = { name: "a", priority: 10, qos: "BestEffort" };
 *     const low = { name: "b", priority: 1, qos: "Guaranteed" };
 *     assert.equal(await assertWithinManifest(plugin, () => plugin.call("Less", [high, low])), true);
 *   });
 *   assert.deepEqual(tiers, ["process", "worker", "inline"]);
 * });
 * ```
 */
export async function testPlugin<C extends Contract | readonly Contract[] = never>(
  t: Deno.TestContext,
  dir: string | URL,
  fn: TierTest<C>,
  options: TestPluginOptions<C> = {},
): Promise<void> {
  const { manifest } = await readPluginFolder(dir);
  const tiers = options.tiers ?? tiersFor(manifest);
  if (tiers.length === 0) {
    throw new RangeError(
      `Cannot test plugin "${manifest.name}": options.tiers is empty; ` +
        'name at least one of "process", "worker", "inline", or leave it out for every tier',
    );
  }
  for (const tier of tiers) {
    // The inline tier has no sandbox: a permission check there would pass whatever the code does.
    const name = tier === "inline"
      ? "inline tier (no sandbox: permissions not checked)"
      : `${tier} tier`;
    await t.step(name, async () => {
      await using loaded = await loadPlugin<C>(dir, { ...options, tier });
      await fn(loaded.plugin, tier, loaded.host);
    });
  }
}
