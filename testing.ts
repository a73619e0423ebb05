/**
 * Test helpers for plugin authors, for their own `deno test` (as go-plugin
 * ships `testing.go`): load a plugin folder in every isolation tier with one
 * call and run the same assertions against each; assert that calls need no
 * permission beyond `plugin.json`; and close every host and plugin, so that
 * Deno's sanitizers pass.
 *
 * @example A plugin author's test
 * ```ts
 * import type { Variable } from "@sandplug/host";
 * import { assertWithinManifest, testPlugin } from "@sandplug/host/testing";
 * import assert from "node:assert/strict";
 *
 * Deno.test("myplugin describes its input, within its manifest, in every tier", (t) =>
 *   testPlugin(t, "./plugins/myplugin", async (plugin, tier) => {
 *     await plugin.lookup<Variable<number>>("PluginInputNumber").set(7);
 *     const text = await assertWithinManifest(plugin, () => plugin.call("Describe"));
 *     assert.equal(text, "My custom code prints PluginInputNumber: 7", `in the ${tier} tier`);
 *   }));
 * ```
 *
 * @module
 */
export { assertWithinManifest } from "./src/testing/assert_within_manifest.ts";
export {
  type LoadedPlugin,
  loadPlugin,
  type LoadPluginOptions,
} from "./src/testing/load_plugin.ts";
export { testPlugin, type TestPluginOptions, type TierTest } from "./src/testing/test_plugin.ts";
