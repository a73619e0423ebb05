/**
 * The test helpers as a plugin author uses them: a project of its own, outside
 * this repository, whose `deno test` loads its plugin in every tier. What the
 * run prints shows which tier failed, and how a tier that cannot run here is
 * reported.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const ROOT = new URL("../", import.meta.url);

/** The import map of a plugin author's deno.json, with this checkout standing in for the package. */
async function importMap(): Promise<Record<string, string>> {
  const { imports } = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const map: Record<string, string> = {};
  for (const [name, target] of Object.entries<string>(imports)) {
    map[name] = target.startsWith("./") ? new URL(target, ROOT).href : target;
  }
  map["@sandplug/host/testing"] = new URL("testing.ts", ROOT).href;
  return map;
}

const PLUGIN_CODE = `
export const add = (a: number, b: number) => a + b;
export async function dial(port: number) {
  (await Deno.connect({ hostname: "127.0.0.1", port })).close();
  return "connected";
}
`;

const TEST_FILE = `
import assert from "node:assert/strict";
import { assertWithinManifest, testPlugin } from "@sandplug/host/testing";

const dir = new URL("./adder/", import.meta.url);

Deno.test("add() adds", (t) =>
  testPlugin(t, dir, async (plugin) => {
    assert.equal(await plugin.call("add", [1, 2]), 3);
  }));

Deno.test("a check that fails in one tier", (t) =>
  testPlugin(t, dir, async (plugin, tier) => {
    assert.equal(await plugin.call("add", [1, 2]), 3);
    assert.notEqual(tier, "worker", "only the worker tier fails this");
  }));

Deno.test("dial() stays within the manifest", (t) =>
  testPlugin(t, dir, async (plugin) => {
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    await assertWithinManifest(plugin, () => plugin.call("dial", [listener.addr.port]));
  }, { tiers: ["process"] }));
`;

/** Writes a plugin author's project, runs its `deno test`, and returns what it printed. */
async function runProject(config: Record<string, unknown>): Promise<{ code: number; out: string }> {
  const project = await Deno.makeTempDir({ prefix: "sandplug-author-" });
  try {
    const plugin = join(project, "adder");
    await Deno.mkdir(plugin);
    await Deno.writeTextFile(
      join(plugin, "plugin.json"),
      JSON.stringify({ name: "adder", version: "1.0.0" }),
    );
    await Deno.writeTextFile(join(plugin, "mod.ts"), PLUGIN_CODE);
    await Deno.writeTextFile(join(project, "plugin_test.ts"), TEST_FILE);
    const deno = { imports: await importMap(), lock: false, ...config };
    await Deno.writeTextFile(join(project, "deno.json"), JSON.stringify(deno));
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--no-prompt", "plugin_test.ts"],
      cwd: project,
      env: { NO_COLOR: "1" },
    }).output();
    const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    return { code, out };
  } finally {
    await Deno.remove(project, { recursive: true });
  }
}

/** The outcome of each step of `test`, as the run lists them. */
function steps(out: string, test: string): string[] {
  const block = out.split(`${test} ...\n`)[1]?.split(`${test} ...`)[0] ?? "";
  return [...block.matchAll(/^ {2}(\w+ tier)(?: \([^)]*\))? \.\.\. (ok|FAILED)/gm)].map((m) =>
    `${m[1]} ${m[2]}`
  );
}

Deno.test("a plugin author's test run names the tier that failed, and Deno's sanitizers pass", async () => {
  const { code, out } = await runProject({ unstable: ["worker-options"] });
  assert.equal(code, 1, out);
  assert.deepEqual(steps(out, "add() adds"), [
    "process tier ok",
    "worker tier ok",
    "inline tier ok",
  ]);
  assert.deepEqual(steps(out, "a check that fails in one tier"), [
    "process tier ok",
    "worker tier FAILED",
    "inline tier ok",
  ]);
  assert.match(out, /^a check that fails in one tier \.\.\. worker tier => /m);
  assert.match(out, /only the worker tier fails this/);
  assert.match(
    out,
    /Cannot keep plugin "adder" \(process tier\) within its plugin\.json: it needed 1 permission the manifest does not list: net "127\.0\.0\.1:\d+" \(during it\)/,
  );
  // No sanitizer complains, after a failed step either (testing_helpers_test.ts checks the closes).
  assert.doesNotMatch(out, /[Ll]eak/);
  assert.match(out, /FAILED \| 1 passed \(\d+ steps\) \| 2 failed \(2 steps\)/);
});

Deno.test("a plugin author's test run fails the worker tier, saying how to fix it, without worker-options", async () => {
  const { code, out } = await runProject({});
  assert.equal(code, 1, out);
  assert.deepEqual(steps(out, "add() adds"), [
    "process tier ok",
    "worker tier FAILED",
    "inline tier ok",
  ]);
  assert.match(
    out,
    /UnstableFlagError: Cannot start a plugin worker: .*"unstable": \["worker-options"\]` to deno\.json; or leave "worker" out of the tiers this test runs in/,
  );
  assert.doesNotMatch(out, /[Ll]eak/);
});
