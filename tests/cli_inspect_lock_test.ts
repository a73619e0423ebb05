/**
 * `sandplug inspect` and `sandplug lock` as subprocesses: what a loaded
 * plugin is, and the integrity lock written and verified as a host does.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pluginFiles, sandplug, tempDir } from "./_cli.ts";

const FILES = {
  ...pluginFiles(
    "plugins/calc",
    {
      name: "calc",
      description: "Adds",
      implements: { adder: "1.2.0" },
      permissions: { env: ["LANG"] },
    },
    'import { variable } from "@sandplug/host/plugin";\n' +
      "export const total = variable(0);\nexport const PI = 3.14;\n" +
      "export const add = (a: number, b: number) => a + b;\n",
  ),
  ...pluginFiles("plugins/other", { name: "other" }),
};

Deno.test("inspect shows name, version, tier, contracts, symbols with kinds, grant and digest", async () => {
  await using dir = await tempDir(FILES);
  const run = await sandplug(["inspect", "plugins/calc"], { cwd: dir.path });
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.split("\n");
  assert.deepEqual(lines.slice(0, 9), [
    "calc 1.0.0",
    "  Adds",
    "  folder      plugins/calc",
    "  entry       ./mod.ts",
    "  tier        process",
    "  implements  adder 1.2.0",
    "  symbols     PI     value",
    "              add    function",
    "              total  variable",
  ]);
  assert.equal(lines[9], "  grant       read  plugins/calc (its folder)");
  assert.equal(lines[10], "              env   LANG");
  assert.match(lines[11], /^ {2}digest {6}sha256-[A-Za-z0-9+/]{43}=$/);
  assert.equal(run.stderr, "");
});

Deno.test("inspect --json: the same as data, and its digest is the lock entry's", async () => {
  await using dir = await tempDir(FILES);
  const cwd = dir.path;
  const run = await sandplug(["inspect", "plugins/calc", "--json", "--tier", "inline"], { cwd });
  assert.equal(run.code, 1, "inline refuses a plugin asking for env");
  assert.match(run.stderr, /inline/);
  const ok = await sandplug(["inspect", "plugins/calc", "--json"], { cwd });
  assert.equal(ok.code, 0, ok.stderr);
  const info = JSON.parse(ok.stdout);
  assert.equal(info.name, "calc");
  assert.equal(info.isolation, "process");
  assert.deepEqual(info.implements, { adder: "1.2.0" });
  assert.deepEqual(info.symbols, [
    { name: "PI", kind: "value" },
    { name: "add", kind: "function" },
    { name: "total", kind: "variable" },
  ]);
  assert.deepEqual(info.permissions.env, ["LANG"]);
  assert.deepEqual(info.permissions.read, [join(cwd, "plugins/calc")]);
  const locked = await sandplug(["lock", "plugins/calc"], { cwd });
  assert.equal(locked.code, 0, locked.stderr);
  const lock = JSON.parse(await Deno.readTextFile(join(cwd, "sandplug.lock")));
  assert.equal(info.digest, lock.plugins.calc.digest);
});

Deno.test("inspect under a --policy that refuses its grant: exit 1, PermissionDeniedError", async () => {
  await using dir = await tempDir({ ...FILES, "policy.json": '{ "read": ["."] }' });
  const run = await sandplug(["inspect", "plugins/calc", "--policy", "policy.json"], {
    cwd: dir.path,
  });
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /^PermissionDeniedError: .*env "LANG"/);
});

Deno.test("lock writes entries, then --check passes; a changed file fails --check by name", async () => {
  await using dir = await tempDir(FILES);
  const cwd = dir.path;
  const none = await sandplug(["lock", "plugins", "--check", "--lock", "nope.lock"], { cwd });
  assert.equal(none.code, 2, "a lock that is not there is a usage error, not every plugin missing");
  assert.match(none.stderr, /Cannot check against the lock: nope\.lock does not exist/);
  const wrote = await sandplug(["lock", "plugins"], { cwd });
  assert.equal(wrote.code, 0, wrote.stderr);
  assert.equal(
    wrote.stdout,
    "new       calc (plugins/calc)\nnew       other (plugins/other)\nwrote sandplug.lock (2 plugins)\n",
  );
  const again = await sandplug(["lock", "plugins"], { cwd });
  assert.match(again.stdout, /^unchanged calc/m);
  assert.match(again.stdout, /sandplug\.lock is up to date \(2 plugins\)/);
  const check = await sandplug(["lock", "plugins", "--check"], { cwd });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /^ok {8}calc \(plugins\/calc\)$/m);
  assert.match(check.stdout, /^2 plugins match sandplug\.lock$/m);

  await Deno.writeTextFile(join(cwd, "plugins/calc/mod.ts"), "// edited\n", { append: true });
  const changed = await sandplug(["lock", "plugins", "--check"], { cwd });
  assert.equal(changed.code, 1, changed.stderr);
  assert.match(changed.stdout, /^changed {3}calc \(plugins\/calc\): file mod\.ts changed$/m);
  assert.match(changed.stdout, /^ok {8}other/m);
  assert.match(changed.stdout, /1 of 2 plugins differ from sandplug\.lock or failed/);
  const json = await sandplug(["lock", "plugins/calc", "--check", "--json"], { cwd });
  assert.equal(json.code, 1);
  assert.deepEqual(JSON.parse(json.stdout), {
    ok: false,
    lock: "sandplug.lock",
    check: true,
    plugins: [{
      dir: "plugins/calc",
      name: "calc",
      status: "changed",
      changes: [{ path: "mod.ts", change: "changed" }],
    }],
  });

  const updated = await sandplug(["lock", "plugins/calc"], { cwd });
  assert.equal(updated.code, 0, updated.stderr);
  assert.match(updated.stdout, /^updated {3}calc \(plugins\/calc\): file mod\.ts changed$/m);
  assert.equal((await sandplug(["lock", "plugins", "--check"], { cwd })).code, 0);
});

Deno.test("lock --check: a plugin missing from the lock, or a lock at --lock, fails by name", async () => {
  await using dir = await tempDir(FILES);
  const cwd = dir.path;
  const lock = "ops/plugins.lock";
  await Deno.mkdir(join(cwd, "ops"));
  assert.equal((await sandplug(["lock", "plugins/calc", "--lock", lock], { cwd })).code, 0);
  const run = await sandplug(["lock", "plugins", "--check", "--lock", lock], { cwd });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /^ok {8}calc/m);
  assert.match(
    run.stdout,
    /^missing {3}other \(plugins\/other\): the lock holds no entry for it$/m,
  );
  const malformed = join(cwd, "bad.lock");
  await Deno.writeTextFile(malformed, "{ not json");
  const bad = await sandplug(["lock", "plugins", "--check", "--lock", "bad.lock"], { cwd });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^LockFileError: Cannot read lock file .*bad\.lock: it is not JSON/);
});

Deno.test("lock: a plugin that fails to load is listed as failed with why, and the rest are locked", async () => {
  await using dir = await tempDir({ ...FILES, "policy.json": '{ "read": ["."] }' });
  const cwd = dir.path;
  const run = await sandplug(["lock", "plugins", "--policy", "policy.json"], { cwd });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /^failed {4}calc \(plugins\/calc\): .*env "LANG"/m);
  assert.match(run.stdout, /^new {7}other \(plugins\/other\)$/m);
  assert.match(run.stdout, /1 of 2 plugins failed to load; sandplug\.lock holds the others/);
  const lock = JSON.parse(await Deno.readTextFile(join(cwd, "sandplug.lock")));
  assert.deepEqual(Object.keys(lock.plugins), ["other"]);
});
