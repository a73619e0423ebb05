/**
 * The test helpers for plugin authors (`@sandplug/host/testing`): every tier
 * with one call, a host that allows what plugin.json asks, and
 * `assertWithinManifest()` naming what a plugin needed beyond its manifest.
 * (testing_helpers_run_test.ts runs them as a plugin author's `deno test` would.)
 *
 * @module
 */
import assert from "node:assert/strict";
import { AssertionError } from "node:assert";
import { join } from "node:path";
import { createHost, type Host, type Plugin, PluginCallError } from "../mod.ts";
import * as testing from "../testing.ts";
import { assertWithinManifest, loadPlugin, testPlugin } from "../testing.ts";
import { tempPlugin } from "./_helpers.ts";

const PLUGIN = `
export const add = (a, b) => a + b;
export const readFile = (path) => Deno.readTextFile(path);
export const probe = () => Deno.env.get("SANDPLUG_TESTING_PROBE") ?? "unset";
export const fail = () => { throw new Error("boom"); };
export async function dial(port) {
  (await Deno.connect({ hostname: "127.0.0.1", port })).close();
  return "connected";
}
export async function quietly(port) {
  // A refusal plugin code catches: only Deno's audit (process tier, learn mode) sees it.
  try { (await Deno.connect({ hostname: "127.0.0.1", port })).close(); } catch { /* ignored */ }
  return "done";
}
`;

Deno.test("testPlugin() runs a plugin that asks for nothing in the process, worker and inline tiers", async (t) => {
  await using fixture = await tempPlugin({}, PLUGIN);
  const ran: string[] = [];
  await testPlugin(t, fixture.dir, async (plugin, tier, host) => {
    ran.push(`${tier}:${plugin.isolation}:${host.plugins.length}`);
    assert.equal(await plugin.call("add", [1, 2]), 3);
  });
  assert.deepEqual(ran, ["process:process:1", "worker:worker:1", "inline:inline:1"]);
});

// Pins the public surface of @sandplug/host/testing: a change to it must be deliberate.
Deno.test("testing.ts exports exactly the documented values", () => {
  assert.deepEqual(Object.keys(testing).sort(), [
    "assertWithinManifest",
    "loadPlugin",
    "testPlugin",
  ]);
});

/** A stand-in for Deno's test context: runs each step and keeps its outcome, as Deno reports it. */
function recordingContext(outcomes: string[]): Deno.TestContext {
  const context = {
    async step(name: string, fn: (t: Deno.TestContext) => Promise<void>): Promise<boolean> {
      try {
        await fn(context as unknown as Deno.TestContext);
        outcomes.push(`${name} ok`);
        return true;
      } catch (error) {
        outcomes.push(`${name} FAILED: ${(error as Error).message}`);
        return false;
      }
    },
  };
  return context as unknown as Deno.TestContext;
}

Deno.test("testPlugin() fails only the tier whose check fails, and closes every host and plugin", async () => {
  await using fixture = await tempPlugin({}, PLUGIN);
  const outcomes: string[] = [];
  const seen: { host: Host; plugin: Plugin }[] = [];
  await testPlugin(recordingContext(outcomes), fixture.dir, (plugin, tier, host) => {
    seen.push({ host, plugin });
    assert.notEqual(tier, "worker", "fails in the worker tier");
  });
  assert.deepEqual(outcomes, [
    "process tier ok",
    "worker tier FAILED: fails in the worker tier",
    "inline tier (no sandbox: permissions not checked) ok",
  ]);
  assert.equal(seen.length, 3);
  for (const { host, plugin } of seen) assert.deepEqual([host.closed, plugin.closed], [true, true]);
});

Deno.test("testPlugin() runs only the tiers plugin.json lets a plugin run in, or those named", async (t) => {
  const tiersOf = async (manifest: Record<string, unknown>, tiers?: ("process" | "worker")[]) => {
    await using fixture = await tempPlugin(manifest, PLUGIN);
    const ran: string[] = [];
    await testPlugin(t, fixture.dir, (_plugin, tier) => void ran.push(tier), { tiers });
    return ran;
  };
  assert.deepEqual(await tiersOf({ permissions: { env: ["LANG"] } }), ["process", "worker"]);
  assert.deepEqual(await tiersOf({ isolation: "process" }), ["process"]);
  assert.deepEqual(await tiersOf({ limits: { memoryMb: 256 } }), ["process"]);
  assert.deepEqual(await tiersOf({}, ["worker", "process"]), ["worker", "process"]);
  await assert.rejects(tiersOf({}, []), (error: unknown) => {
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /options\.tiers is empty/);
    return true;
  });
});

Deno.test("loadPlugin() grants what plugin.json asks for, with no host policy of its own", async () => {
  await using fixture = await tempPlugin({}, PLUGIN);
  const data = join(fixture.parent, "data.txt");
  await Deno.writeTextFile(data, "granted");
  await Deno.writeTextFile(
    join(fixture.dir, "plugin.json"),
    JSON.stringify({ name: "granted", version: "1.0.0", permissions: { read: [data] } }),
  );
  await using loaded = await loadPlugin(fixture.dir, { tier: "worker" });
  assert.equal(loaded.tier, "worker");
  assert.equal(await loaded.plugin.call("readFile", [data]), "granted");
  assert.deepEqual(loaded.plugin.permissions.read, [fixture.dir, data]);
});

Deno.test("loadPlugin() refuses a tier plugin.json raises, naming the tier to leave out", async () => {
  await using fixture = await tempPlugin({ isolation: "process" }, PLUGIN);
  await assert.rejects(loadPlugin(fixture.dir, { tier: "worker" }), (error) => {
    assert.ok(error instanceof RangeError);
    assert.match(
      error.message,
      /Cannot test plugin "test-plugin" in the worker tier: its plugin\.json asks for isolation "process", so the host ran it in the process tier; leave "worker" out/,
    );
    return true;
  });
});

Deno.test("loadPlugin() closes its host when the load fails", async () => {
  await using fixture = await tempPlugin({}, "export const broken = ;\n");
  // The sanitizers fail this test if the host or its child were left open.
  await assert.rejects(loadPlugin(fixture.dir), /Cannot load plugin "test-plugin"/);
});

for (const tier of ["process", "worker"] as const) {
  Deno.test(`${tier} tier: assertWithinManifest() returns what a call within plugin.json returns`, async () => {
    await using fixture = await tempPlugin({ permissions: { env: ["LANG"] } }, PLUGIN);
    await using loaded = await loadPlugin(fixture.dir, { tier });
    const { plugin } = loaded;
    assert.equal(await assertWithinManifest(plugin, () => plugin.call("add", [2, 3])), 5);
  });

  Deno.test(`${tier} tier: assertWithinManifest() fails naming the host a call dialled and the permissions to add`, async () => {
    await using fixture = await tempPlugin({ permissions: { env: ["LANG"] } }, PLUGIN);
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    await using loaded = await loadPlugin(fixture.dir, { tier });
    const { plugin } = loaded;
    await assert.rejects(
      assertWithinManifest(plugin, () => plugin.call("dial", [port])),
      (error) => {
        assert.ok(error instanceof AssertionError);
        assert.equal(
          error.message,
          `Cannot keep plugin "test-plugin" (${tier} tier) within its plugin.json: it needed 1 ` +
            `permission the manifest does not list: net "127.0.0.1:${port}" (during it); add them ` +
            `to plugin.json as "permissions": {"net":["127.0.0.1:${port}"],"env":["LANG"]} (and ` +
            "let the host's policy allow them), or stop the plugin from using them",
        );
        // What the call itself threw is kept.
        assert.ok(error.cause instanceof PluginCallError);
        return true;
      },
    );
  });

  Deno.test(`${tier} tier: assertWithinManifest() names what the module needed as it loaded`, async () => {
    const code = `const home = Deno.env.get("HOME");\n${PLUGIN}`;
    await using fixture = await tempPlugin({}, code);
    await using loaded = await loadPlugin(fixture.dir, { tier });
    const { plugin } = loaded;
    await assert.rejects(
      assertWithinManifest(plugin, () => plugin.call("add", [1, 1])),
      /needed 1 permission the manifest does not list: env "HOME" \(before it: at load or in an earlier call\); add them to plugin\.json as "permissions": \{"env":\["HOME"\]\}/,
    );
  });

  Deno.test(`${tier} tier: assertWithinManifest() rethrows a call's own error when it kept within plugin.json`, async () => {
    await using fixture = await tempPlugin({}, PLUGIN);
    await using loaded = await loadPlugin(fixture.dir, { tier });
    const { plugin } = loaded;
    await assert.rejects(assertWithinManifest(plugin, () => plugin.call("fail")), (error) => {
      assert.ok(error instanceof PluginCallError);
      assert.match(error.message, /boom/);
      return true;
    });
  });
}

Deno.test("process tier: assertWithinManifest() fails on a refusal plugin code caught", async () => {
  await using fixture = await tempPlugin({}, PLUGIN);
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using loaded = await loadPlugin(fixture.dir, { tier: "process" });
  const { plugin } = loaded;
  await assert.rejects(
    assertWithinManifest(plugin, () => plugin.call("quietly", [listener.addr.port])),
    new RegExp(`net "127\\.0\\.0\\.1:${listener.addr.port}" \\(during it\\)`),
  );
});

Deno.test("inline tier: assertWithinManifest() runs the call unchecked, as nothing is sandboxed", async () => {
  await using fixture = await tempPlugin({}, PLUGIN);
  await using loaded = await loadPlugin(fixture.dir, { tier: "inline" });
  const { plugin } = loaded;
  const hostname = await assertWithinManifest(
    plugin,
    () => plugin.call("readFile", ["/etc/hostname"]),
  );
  assert.equal(typeof hostname, "string");
});

Deno.test("assertWithinManifest() checks a plugin of any host in learn mode, and refuses one without", async () => {
  await using fixture = await tempPlugin({}, PLUGIN);
  await using host = createHost({ isolation: "worker", log: () => {} });
  const learning = await host.load(fixture.dir, { learn: true });
  await assert.rejects(
    assertWithinManifest(learning, () => learning.call("probe")),
    /env "SANDPLUG_TESTING_PROBE" \(during it\)/,
  );
  await learning.close();
  const plain = await host.load(fixture.dir);
  await assert.rejects(assertWithinManifest(plain, () => plain.call("add", [1, 2])), (error) => {
    assert.ok(error instanceof TypeError);
    assert.match(
      error.message,
      /loaded neither by loadPlugin\(\) or testPlugin\(\).*nor with \{ learn: true \}/,
    );
    return true;
  });
});
