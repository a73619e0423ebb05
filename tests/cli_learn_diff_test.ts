/**
 * `sandplug learn` and `sandplug diff` as subprocesses: the permissions a
 * call needs, ready for plugin.json, and how two versions' permissions differ.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pluginFiles, sandplug, tempDir } from "./_cli.ts";

const LEARNER = pluginFiles(
  "learner",
  { name: "learner", permissions: { env: ["LANG"] } },
  `
export const read = (path: string) => Deno.readTextFile(path);
export const probe = () => Deno.env.get("SANDPLUG_CLI_PROBE") ?? "unset";
export const everything = () => Object.keys(Deno.env.toObject()).length;
`,
);

Deno.test("learn prints the permissions a failing call needed, and its error as a note: exit 0", async () => {
  await using dir = await tempDir({ ...LEARNER, "data.txt": "hi" });
  const data = join(dir.path, "data.txt");
  const run = await sandplug(["learn", "learner", "read", JSON.stringify(data)], { cwd: dir.path });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /^note: the call failed \(PluginCallError: .*NotCapable/m);
  assert.equal(
    run.stdout,
    [
      '"permissions" for plugin.json:',
      JSON.stringify({ read: [data], env: ["LANG"] }, null, 2),
      "against plugin.json now:",
      `  read: + ${data} (widens)`,
      "",
    ].join("\n"),
  );
});

Deno.test("learn --json: permissions, unresolved, widens and the call's outcome", async () => {
  await using dir = await tempDir(LEARNER);
  const run = await sandplug(["learn", "learner", "probe", "--json"], { cwd: dir.path });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), {
    permissions: { env: ["LANG", "SANDPLUG_CLI_PROBE"] },
    unresolved: [],
    widens: true,
    call: { ok: true, result: "unset" },
  });
});

Deno.test("learn: an access no plugin.json item can allow is unresolved: exit 1", async () => {
  await using dir = await tempDir(LEARNER);
  const run = await sandplug(["learn", "learner", "everything"], { cwd: dir.path });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /the same as plugin\.json asks for now/);
  assert.match(run.stdout, /unresolved \(no plugin\.json item can allow these\):\n {2}env: /);
});

Deno.test("learn: an unknown symbol is exit 1 (nothing learned); a bad JSON argument exit 2", async () => {
  await using dir = await tempDir(LEARNER);
  const unknown = await sandplug(["learn", "learner", "nope"], { cwd: dir.path });
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stdout, "");
  assert.match(unknown.stderr, /SymbolNotFoundError/);
  const bad = await sandplug(["learn", "learner", "read", "{"], { cwd: dir.path });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Cannot read argument 1 of the call as JSON/);
});

const V1 = pluginFiles("v1", {
  name: "greeter",
  permissions: { read: ["./data"], net: ["example.com:443"] },
});
const V2 = pluginFiles("v2", {
  name: "greeter",
  version: "2.0.0",
  permissions: { read: ["./data"], net: ["example.com"], env: ["HOME"] },
});

Deno.test("diff: a version that widens is exit 1, listing each kind's added and removed items", async () => {
  await using dir = await tempDir({ ...V1, ...V2 });
  const run = await sandplug(["diff", "v1", "v2"], { cwd: dir.path });
  assert.equal(run.code, 1, run.stderr);
  assert.equal(
    run.stdout,
    "greeter 1.0.0 → 2.0.0: widens\n" +
      "  net: + example.com, - example.com:443 (widens)\n" +
      "  env: + HOME (widens)\n",
  );
  assert.equal(run.stderr, "");
});

Deno.test("diff the other way narrows: exit 0; --json gives both sides and the kinds", async () => {
  await using dir = await tempDir({ ...V1, ...V2 });
  const run = await sandplug(["diff", "v2", "v1", "--json"], { cwd: dir.path });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), {
    from: { dir: "v2", name: "greeter", version: "2.0.0" },
    to: { dir: "v1", name: "greeter", version: "1.0.0" },
    widens: false,
    kinds: {
      net: { added: ["example.com:443"], removed: ["example.com"], widens: false },
      env: { added: [], removed: ["HOME"], widens: false },
    },
  });
  const same = await sandplug(["diff", "v1", "v1"], { cwd: dir.path });
  assert.equal(same.code, 0);
  assert.equal(same.stdout, "greeter 1.0.0 → 1.0.0: the same permissions\n");
});

Deno.test("diff: a missing folder is exit 2, an invalid manifest exit 1", async () => {
  await using dir = await tempDir({ ...V1, "bad/plugin.json": "{" });
  const missing = await sandplug(["diff", "v1", "v9"], { cwd: dir.path });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Cannot diff v9: it does not exist/);
  const bad = await sandplug(["diff", "v1", "bad"], { cwd: dir.path });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^ManifestError: Invalid plugin manifest: bad\/plugin\.json: /);
});
