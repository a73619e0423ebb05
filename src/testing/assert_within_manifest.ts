/**
 * `assertWithinManifest()`: fails a test when a plugin needed a permission
 * its `plugin.json` does not list, naming each one and the fix.
 *
 * @module
 */
import { AssertionError } from "node:assert";
import type { ContractSymbols, Plugin } from "../../mod.ts";
import { recorderOf } from "./denials.ts";
import { type Beyond, beyondManifest, canCheck, permissionsWith } from "./beyond_manifest.ts";

function describe(beyond: Beyond, before: ReadonlySet<string>): string[] {
  const parts = beyond.items.map(({ kind, item }) =>
    `${kind} ${JSON.stringify(item)} (${
      before.has(`${kind} ${item}`) ? "before it: at load or in an earlier call" : "during it"
    })`
  );
  for (const { kind, value, reason } of beyond.unresolved) {
    parts.push(
      `${kind} ${value === undefined ? "(every item)" : JSON.stringify(value)}: ${reason}`,
    );
  }
  return parts;
}

function failure<S extends ContractSymbols>(
  plugin: Plugin<S>,
  beyond: Beyond,
  before: ReadonlySet<string>,
): AssertionError {
  const count = beyond.items.length + beyond.unresolved.length;
  let message = `Cannot keep plugin "${plugin.name}" (${plugin.isolation} tier) within its ` +
    `plugin.json: it needed ${count} permission${count === 1 ? "" : "s"} the manifest does ` +
    `not list: ${describe(beyond, before).join(", ")}`;
  if (beyond.items.length > 0) {
    const permissions = JSON.stringify(permissionsWith(plugin, beyond.items));
    message += `; add them to plugin.json as "permissions": ${permissions} ` +
      "(and let the host's policy allow them), or stop the plugin from using them";
  }
  return new AssertionError({ message });
}

/**
 * Runs `fn` (typically calls into the plugin) and fails when the plugin has
 * needed a permission its `plugin.json` does not list: since it was loaded,
 * so what its module does as it loads counts too. What it needed is read
 * from its host's `denied` events and, in learn mode (the default of
 * `loadPlugin()` and `testPlugin()`), from `plugin.learned()`, which in the
 * process tier also sees the refusals plugin code caught. The failure names
 * each permission, whether it was needed during `fn`, and the `permissions`
 * to put in plugin.json. The inline tier has no sandbox, so nothing is
 * refused there and nothing is checked: run the same test in another tier.
 *
 * @param plugin A plugin loaded by `loadPlugin()` or `testPlugin()`, or loaded with `learn: true`.
 * @param fn What to run: its result is returned.
 * @returns What `fn` returned.
 * @throws {AssertionError} When the plugin needed a permission beyond its manifest, even if `fn`
 * threw (its error is then the `cause`).
 * @throws {TypeError} When the plugin was loaded neither by these helpers nor in learn mode.
 * @throws {unknown} What `fn` threw, when the plugin kept within its manifest.
 *
 * @example A call that stays within the manifest passes; one that reads outside it fails
 * ```ts
 * import { assertWithinManifest, loadPlugin } from "@sandplug/host/testing";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/plugin.json`, JSON.stringify({ name: "hosts", version: "1.0.0" }));
 * await Deno.writeTextFile(
 *   `${dir}/mod.ts`,
 *   `export const add = (a, b) => a + b;
 *    export const hosts = () => Deno.readTextFile("/etc/hosts").then(() => "read", () => "refused");`,
 * );
 * await using loaded = await loadPlugin(dir, { tier: "process" });
 * const { plugin } = loaded;
 * assert.equal(await assertWithinManifest(plugin, () => plugin.call("add", [1, 2])), 3);
 * await assert.rejects(
 *   assertWithinManifest(plugin, () => plugin.call("hosts")),
 *   /needed 1 permission the manifest does not list: read "\/etc\/hosts" \(during it\)/,
 * );
 * ```
 */
export async function assertWithinManifest<T, S extends ContractSymbols = Record<never, never>>(
  plugin: Plugin<S>,
  fn: () => T | Promise<T>,
): Promise<T> {
  const recorder = recorderOf(plugin);
  if (!canCheck(plugin, recorder)) {
    throw new TypeError(
      `Cannot check plugin "${plugin.name}" against its manifest: it was loaded neither by ` +
        "loadPlugin() or testPlugin() of @sandplug/host/testing nor with { learn: true }; " +
        "load it with loadPlugin(dir)",
    );
  }
  if (plugin.isolation === "inline") return await fn();
  const before = new Set(beyondManifest(plugin, recorder).items.map((i) => `${i.kind} ${i.item}`));
  let result: { value: T } | { error: unknown };
  try {
    result = { value: await fn() };
  } catch (error) {
    result = { error };
  }
  const beyond = beyondManifest(plugin, recorder);
  if (beyond.items.length > 0 || beyond.unresolved.length > 0) {
    const error = failure(plugin, beyond, before);
    if ("error" in result) error.cause = result.error;
    throw error;
  }
  if ("error" in result) throw result.error;
  return result.value;
}
