/**
 * The integrity lock, through its own modules: entries written from a
 * checked module graph, loads checked against them, every changed, added or
 * removed file, package and permission named, and a file that reads the same
 * whoever writes it. (A load through `createHost({ lock })` is in host tests.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { IntegrityError, LockFileError } from "../src/errors/integrity_error.ts";
import type { PermissionGrant } from "../src/permissions/permissions.ts";
import { checkModuleGraph } from "../src/load/module_graph.ts";
import {
  lockedPackages,
  type LockOptions,
  lockOptions,
  type LockSubject,
  verifyLock,
} from "../src/load/lock.ts";
import { parseLock, readLock, serializeLock } from "../src/load/lock_file.ts";
import { processTier } from "../src/isolation/process/tier.ts";
import { grantOf, tempPlugin } from "./_helpers.ts";

const LIB = "export const two = 2;\n";
const MOD = 'import { two } from "./lib.ts";\nexport const four = () => two * 2;\n';

/** What the host hands the lock for the plugin in `dir`, as its import check sees it now. */
function subjectOf(
  dir: string,
  options: { grant?: PermissionGrant; integrity?: Record<string, string> } = {},
): LockSubject {
  const manifest = JSON.parse(Deno.readTextFileSync(join(dir, "plugin.json")));
  const grant = options.grant ?? grantOf(dir);
  const graph = checkModuleGraph(manifest.name, join(dir, "mod.ts"), dir, grant);
  return {
    name: manifest.name,
    version: manifest.version,
    dir,
    grant,
    files: graph.files,
    packages: lockedPackages(grant, options.integrity),
  };
}

function locks(parent: string): { update: LockOptions; check: LockOptions } {
  const path = join(parent, "sandplug.lock");
  return { update: { path, update: true }, check: { path, update: false } };
}

/** Asserts that `promise` fails with an IntegrityError listing exactly `changes`. */
async function rejectsWith(promise: Promise<unknown>, changes: unknown[], message?: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof IntegrityError, String(error));
    assert.deepEqual(error.changes, changes);
    if (message !== undefined) assert.match(error.message, message);
    assert.match(error.message, /update: true|sandplug lock/);
    return true;
  });
}

Deno.test("verifyLock() writes an entry when updating, then passes the same plugin", async () => {
  await using fixture = await tempPlugin({}, MOD, { "lib.ts": LIB });
  const { update, check } = locks(fixture.parent);
  const none = { changes: [] };
  assert.deepEqual(await verifyLock(update, subjectOf(fixture.dir)), { written: true, ...none });
  assert.deepEqual(await verifyLock(check, subjectOf(fixture.dir)), { written: false, ...none });
  // Unchanged: updating again leaves the file alone.
  assert.deepEqual(await verifyLock(update, subjectOf(fixture.dir)), { written: false, ...none });
  const entry = readLock(update.path, "sandplug.lock")?.plugins["test-plugin"];
  assert.deepEqual(Object.keys(entry?.files ?? {}), ["lib.ts", "mod.ts", "plugin.json"]);
  assert.equal(entry?.dir, "plugin");
  assert.deepEqual(entry?.grant, { read: ["."] });
  assert.match(entry?.digest ?? "", /^sha256-[A-Za-z0-9+/]{43}=$/);
});

Deno.test("a changed module fails the load, naming the file", async () => {
  await using fixture = await tempPlugin({}, MOD, { "lib.ts": LIB });
  const { update, check } = locks(fixture.parent);
  await verifyLock(update, subjectOf(fixture.dir));
  await Deno.writeTextFile(join(fixture.dir, "lib.ts"), "export const two = 3;\n");
  await rejectsWith(
    verifyLock(check, subjectOf(fixture.dir)),
    [{ path: "lib.ts", change: "changed" }],
    /Cannot load plugin "test-plugin": it does not match its entry in the lock .*sandplug\.lock: file lib\.ts changed;/,
  );
});

Deno.test("a module added to the graph fails the load, naming it", async () => {
  await using fixture = await tempPlugin({}, MOD, { "lib.ts": LIB });
  const { update, check } = locks(fixture.parent);
  await verifyLock(update, subjectOf(fixture.dir));
  await Deno.mkdir(join(fixture.dir, "util"));
  await Deno.writeTextFile(join(fixture.dir, "util/extra.ts"), "export const x = 1;\n");
  await Deno.writeTextFile(join(fixture.dir, "lib.ts"), `import "./util/extra.ts";\n${LIB}`);
  await rejectsWith(
    verifyLock(check, subjectOf(fixture.dir)),
    [{ path: "lib.ts", change: "changed" }, { path: "util/extra.ts", change: "added" }],
    /file lib\.ts changed, file util\/extra\.ts added/,
  );
});

Deno.test("a module that leaves the graph, and a changed manifest, are named", async () => {
  await using fixture = await tempPlugin({}, MOD, { "lib.ts": LIB });
  const { update, check } = locks(fixture.parent);
  await verifyLock(update, subjectOf(fixture.dir));
  // lib.ts stays on disk, but nothing imports it: it is no longer part of the plugin.
  await Deno.writeTextFile(join(fixture.dir, "mod.ts"), "export const four = () => 4;\n");
  await rejectsWith(verifyLock(check, subjectOf(fixture.dir)), [
    { path: "lib.ts", change: "removed" },
    { path: "mod.ts", change: "changed" },
  ]);
  await Deno.writeTextFile(join(fixture.dir, "mod.ts"), MOD);
  const manifest = { name: "test-plugin", version: "1.0.1", entry: "mod.ts", env: ["HOME"] };
  await Deno.writeTextFile(join(fixture.dir, "plugin.json"), JSON.stringify(manifest));
  await rejectsWith(
    verifyLock(check, subjectOf(fixture.dir, { grant: grantOf(fixture.dir, { env: ["HOME"] }) })),
    [{ path: "plugin.json", change: "changed" }, { permission: "env", change: "added" }],
    /file plugin\.json changed, permission env added/,
  );
});

Deno.test("a package at another version or integrity is named, with both", async () => {
  await using fixture = await tempPlugin({ imports: ["npm:marked@18"] });
  const { update, check } = locks(fixture.parent);
  const at = (version: string, integrity: string) =>
    subjectOf(fixture.dir, {
      grant: grantOf(fixture.dir, { imports: [`npm:marked@${version}`] }),
      integrity: { [`npm:marked@${version}`]: integrity },
    });
  await verifyLock(update, at("18.2.1", "sha512-aaa"));
  await verifyLock(check, at("18.2.1", "sha512-aaa"));
  await rejectsWith(verifyLock(check, at("18.3.0", "sha512-bbb")), [{
    package: "npm:marked",
    change: "changed",
    from: { specifier: "npm:marked@18.2.1", integrity: "sha512-aaa" },
    to: { specifier: "npm:marked@18.3.0", integrity: "sha512-bbb" },
  }], /package npm:marked changed \(npm:marked@18\.2\.1 → npm:marked@18\.3\.0\)/);
  await rejectsWith(
    verifyLock(check, at("18.2.1", "sha512-ccc")),
    [{
      package: "npm:marked",
      change: "changed",
      from: { specifier: "npm:marked@18.2.1", integrity: "sha512-aaa" },
      to: { specifier: "npm:marked@18.2.1", integrity: "sha512-ccc" },
    }],
    /package npm:marked@18\.2\.1 changed \(integrity sha512-aaa → sha512-ccc\)/,
  );
  // A dependency that appears is a package added.
  const more = subjectOf(fixture.dir, {
    grant: grantOf(fixture.dir, { imports: ["npm:marked@18.2.1"] }),
    integrity: { "npm:marked@18.2.1": "sha512-aaa", "npm:tiny@1.0.0": "sha512-ddd" },
  });
  await rejectsWith(verifyLock(check, more), [{
    package: "npm:tiny",
    change: "added",
    to: { specifier: "npm:tiny@1.0.0", integrity: "sha512-ddd" },
  }]);
});

Deno.test("lockedPackages() records what the grant declares, null where the tier knows no integrity", () => {
  const grant = grantOf("/p", { imports: ["npm:marked@18", "npm:left-pad@1.3.0"] });
  assert.deepEqual(lockedPackages(grant), { "npm:marked@18": null, "npm:left-pad@1.3.0": null });
  const peers = { "npm:left-pad@1.3.0_react@18.2.0": "sha512-x" };
  assert.deepEqual(lockedPackages(grant, peers), { "npm:marked@18": null, ...peers });
});

Deno.test("a plugin the lock does not hold is refused unless the lock is being updated", async () => {
  await using fixture = await tempPlugin({}, MOD, { "lib.ts": LIB });
  await using other = await tempPlugin({ name: "other" });
  const { update, check } = locks(fixture.parent);
  const missing = /the lock .*sandplug\.lock holds no entry for it, and is not being updated/;
  // No lock file at all.
  await rejectsWith(verifyLock(check, subjectOf(fixture.dir)), [], missing);
  await verifyLock(update, subjectOf(other.dir));
  await assert.rejects(verifyLock(check, subjectOf(fixture.dir)), (error: unknown) => {
    assert.ok(error instanceof IntegrityError);
    assert.equal(error.missing, true);
    assert.equal(error.plugin, "test-plugin");
    assert.match(error.message, missing);
    return true;
  });
});

Deno.test("a malformed lock file is a LockFileError saying what is wrong, and is not overwritten", async (t) => {
  await using fixture = await tempPlugin({}, MOD, { "lib.ts": LIB });
  const { update, check } = locks(fixture.parent);
  await verifyLock(update, subjectOf(fixture.dir));
  const good = await Deno.readTextFile(update.path);
  const cases: [string, string, RegExp][] = [
    ["not JSON", "{ plugins", /it is not JSON/],
    ["another version", good.replace('"version": 1', '"version": 2'), /its version is 2; .*1/],
    [
      "a field of the wrong type",
      good.replace(/"files": \{[^}]*\}/, '"files": []'),
      /plugins\["test-plugin"\]\.files must be paths → digests; current value is \[\]/,
    ],
    [
      "a digest edited by hand",
      good.replace(/"lib\.ts": "sha256-[^"]*"/, '"lib.ts": "sha256-forged"'),
      /plugins\["test-plugin"\]\.digest does not match its files and packages/,
    ],
  ];
  for (const [name, text, message] of cases) {
    await t.step(name, async () => {
      await Deno.writeTextFile(update.path, text);
      for (const lock of [check, update]) {
        await assert.rejects(verifyLock(lock, subjectOf(fixture.dir)), (error: unknown) => {
          assert.ok(error instanceof LockFileError, String(error));
          assert.match(error.message, message);
          assert.match(error.message, /fix or delete the file, then write it again/);
          return true;
        });
      }
      assert.equal(await Deno.readTextFile(update.path), text);
    });
  }
});

Deno.test("the lock file is stable: sorted keys, the same bytes whatever order entries are written in", async () => {
  await using a = await tempPlugin({ name: "alpha" }, MOD, { "lib.ts": LIB });
  await using b = await tempPlugin({ name: "beta" }, MOD, { "lib.ts": LIB });
  const first = join(a.parent, "one.lock");
  const second = join(a.parent, "two.lock");
  await verifyLock({ path: first, update: true }, subjectOf(a.dir));
  await verifyLock({ path: first, update: true }, subjectOf(b.dir));
  await verifyLock({ path: second, update: true }, subjectOf(b.dir));
  await verifyLock({ path: second, update: true }, subjectOf(a.dir));
  const text = await Deno.readTextFile(first);
  // The folders differ by temp name: compare with them made alike.
  const alike = (s: string) => s.replace(/"dir": "[^"]*"/g, '"dir": "…"');
  assert.equal(alike(await Deno.readTextFile(second)), alike(text));
  assert.equal(serializeLock(parseLock(text, "one.lock")), text);
  assert.ok(text.endsWith("}\n"));
  assert.ok(text.startsWith('{\n  "plugins": {\n    "alpha": {\n      "digest": '));
  const keys = [...text.matchAll(/^ {6}"(\w+)":/gm)].map((m) => m[1]);
  assert.deepEqual(keys.slice(0, 7), [
    "digest",
    "dir",
    "files",
    "grant",
    "name",
    "packages",
    "version",
  ]);
});

Deno.test("loads that update one lock at once each keep their entry", async () => {
  const fixtures = await Promise.all(
    Array.from({ length: 12 }, (_, i) => tempPlugin({ name: `p${i}` }, MOD, { "lib.ts": LIB })),
  );
  try {
    const path = join(fixtures[0].parent, "sandplug.lock");
    const results = await Promise.all(
      fixtures.map((f) => verifyLock({ path, update: true }, subjectOf(f.dir))),
    );
    assert.ok(results.every((result) => result.written));
    const lock = readLock(path, "sandplug.lock");
    assert.deepEqual(
      Object.keys(lock?.plugins ?? {}).sort(),
      fixtures.map((_, i) => `p${i}`).sort(),
    );
    const left = [...Deno.readDirSync(fixtures[0].parent)].filter((e) => e.name.endsWith(".tmp"));
    assert.deepEqual(left, []);
  } finally {
    await Promise.all(fixtures.map((f) => f[Symbol.asyncDispose]()));
  }
});

Deno.test("lockOptions() takes a path or { path, update } and refuses anything else", () => {
  assert.deepEqual(lockOptions("x.lock"), { path: join(Deno.cwd(), "x.lock"), update: false });
  assert.deepEqual(lockOptions({ path: "/a/x.lock", update: true }), {
    path: "/a/x.lock",
    update: true,
  });
  for (const bad of ["", 3, null, { path: "x", update: "yes" }]) {
    assert.throws(() => lockOptions(bad as never), TypeError);
  }
});

Deno.test("the process tier reports each installed package's registry integrity", async () => {
  await using fixture = await tempPlugin(
    { imports: ["npm:left-pad@1"] },
    `import leftPad from "npm:left-pad@1";\nexport const pad = (s: string) => leftPad(s, 5);\n`,
  );
  const declared = grantOf(fixture.dir, { imports: ["npm:left-pad@1"] });
  const graph = checkModuleGraph("test-plugin", join(fixture.dir, "mod.ts"), fixture.dir, declared);
  const grant = await processTier.resolveImports!("test-plugin", declared, graph.packages);
  assert.deepEqual(grant.imports, ["npm:left-pad@1.3.0"]);
  const integrity = processTier.packageIntegrity!(grant, graph.packages);
  assert.match(integrity?.["npm:left-pad@1.3.0"] ?? "", /^sha512-[A-Za-z0-9+/]+=*$/);
  assert.deepEqual(Object.keys(lockedPackages(grant, integrity)), ["npm:left-pad@1.3.0"]);
});
