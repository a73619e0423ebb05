/**
 * `sandplug check` as a subprocess: every problem of every plugin in one
 * report (manifest, folder, module graph, policy), `--json`, and its exit codes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pluginFiles, PLUGINS, sandplug, tempDir } from "./_cli.ts";

/** A plugin with problems of every kind but the manifest's, and one with only manifest problems. */
const BROKEN = {
  ...pluginFiles(
    "plugins/leaky",
    { name: "leaky", permissions: { net: ["example.com:443"] } },
    [
      'import pad from "npm:left-pad";',
      'import "../outside.ts";',
      "export const ok = () => pad;",
    ].join("\n"),
  ),
  "plugins/bad/plugin.json": JSON.stringify({
    name: "Bad_Name",
    version: "1.x",
    entry: "./mod.ts",
    extra: true,
  }),
  "plugins/bad/mod.ts": "export const ok = true;\n",
  ...pluginFiles("plugins/fine", { name: "fine" }),
};

Deno.test("check passes good plugins: exit 0, one ok line each and a summary", async () => {
  const run = await sandplug(["check", "plugins/greeter", "plugins/counter"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    "ok   plugins/greeter (greeter 1.1.0)\nok   plugins/counter (counter 1.0.0)\n" +
      "2 plugins checked: 2 ok, 0 with problems; permissions not checked against a policy (no --policy)\n",
  );
  assert.equal(run.stderr, "");
});

Deno.test("check reports every problem of every plugin, not just the first: exit 1", async () => {
  await using dir = await tempDir(BROKEN);
  await Deno.symlink("/etc/hostname", join(dir.path, "plugins/leaky/escape"));
  await Deno.writeTextFile(join(dir.path, "policy.json"), '{ "read": ["."] }');
  const run = await sandplug(["check", "plugins", "--policy", "policy.json"], { cwd: dir.path });
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stdout.split("\n");
  assert.match(lines[0], /^FAIL plugins\/bad: 3 problems$/);
  assert.match(run.stdout, /manifest {2}name: must start with a lowercase letter/);
  assert.match(run.stdout, /manifest {2}version: must be a semantic version/);
  assert.match(run.stdout, /manifest {2}extra: unknown field/);
  assert.match(run.stdout, /^ok {3}plugins\/fine \(fine 1\.0\.0\)$/m);
  assert.match(run.stdout, /^FAIL plugins\/leaky \(leaky 1\.0\.0\): 4 problems$/m);
  assert.match(run.stdout, /policy {2}net "example\.com:443" is not allowed by the policy/);
  assert.match(run.stdout, /folder {2}its folder holds a symlink escape/);
  assert.match(
    run.stdout,
    /graph {3}mod\.ts:1 imports "npm:left-pad": the package is not declared/,
  );
  assert.match(
    run.stdout,
    /graph {3}mod\.ts:2 imports "\.\.\/outside\.ts": it leaves the plugin folder/,
  );
  assert.match(lines.at(-2) ?? "", /^3 plugins checked: 1 ok, 2 with problems \(7 in all\)$/);
  assert.equal(run.stderr, "");
});

Deno.test("check --json: the same report as data", async () => {
  await using dir = await tempDir(BROKEN);
  const run = await sandplug(["check", "plugins/leaky", "plugins/fine", "--json"], {
    cwd: dir.path,
  });
  assert.equal(run.code, 1, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.ok, false);
  assert.equal(report.policy, null);
  assert.deepEqual(report.plugins.map((p: { dir: string; ok: boolean }) => [p.dir, p.ok]), [
    ["plugins/leaky", false],
    ["plugins/fine", true],
  ]);
  // Without --policy the grant is not checked: the net item is no problem.
  assert.deepEqual(report.plugins[0].problems.map((p: { kind: string }) => p.kind), [
    "graph",
    "graph",
  ]);
  assert.deepEqual(report.plugins[0].problems[0], {
    kind: "graph",
    message: report.plugins[0].problems[0].message,
    file: "mod.ts",
    line: 1,
    specifier: "npm:left-pad",
  });
  assert.equal(run.stderr, "");
});

Deno.test("check --json of good plugins: ok true and exit 0", async () => {
  const run = await sandplug(["check", "--json", `${PLUGINS}greeter`]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.ok, true);
  assert.deepEqual(report.plugins[0].problems, []);
  assert.equal(report.plugins[0].name, "greeter");
});

Deno.test("check: a bad policy file or a path that does not exist is a usage error (2)", async (t) => {
  await using dir = await tempDir({
    ...pluginFiles("p", { name: "p" }),
    "not-json.json": "{ read: [",
    "wrapped.json": '{ "allow": { "read": ["."] } }',
    "unknown-kind.json": '{ "disk": ["."] }',
    "bad-items.json": '{ "net": "example.com" }',
    "empty/README": "no plugins here",
  });
  const cases: [string[], RegExp][] = [
    [["p", "--policy", "missing.json"], /Cannot read policy file missing\.json: it does not exist/],
    [["p", "--policy", "not-json.json"], /not-json\.json: it is not JSON/],
    [["p", "--policy", "wrapped.json"], /holds \{ "allow": … \}; write the allow object itself/],
    [["p", "--policy", "unknown-kind.json"], /disk is not a permission kind; use read, write/],
    [["p", "--policy", "bad-items.json"], /net must be true, false or a list of non-empty strings/],
    [["nowhere"], /Cannot check nowhere: it does not exist; pass a plugin folder/],
    [["empty"], /Cannot check empty: neither it nor any folder in it holds a plugin\.json/],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" "), async () => {
      const run = await sandplug(["check", ...args], { cwd: dir.path });
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.equal(run.stdout, "");
      assert.match(run.stderr, message);
    });
  }
});

Deno.test("check of a folder of plugins checks each one in it, by name", async () => {
  const run = await sandplug(["check", "plugins", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const names = JSON.parse(run.stdout).plugins.map((p: { name: string }) => p.name);
  assert.ok(names.length >= 8, `found ${names}`);
  assert.deepEqual(names, [...names].sort());
  assert.ok(names.includes("greeter") && names.includes("records"));
});
