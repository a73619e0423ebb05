/**
 * Tests of diffPermissions(): items added and removed per kind, and whether
 * the change widens what a plugin may do, for grants, manifests and policies.
 */
import { parseManifest, type PermissionGrant } from "@sandplug/host";
import assert from "node:assert/strict";
import {
  diffPermissions,
  type PermissionDiff,
  type PermissionSet,
} from "../src/permissions/diff.ts";
import { resolveGrant, resolvePolicy } from "../src/permissions/permissions.ts";

const DIR = "/plugins/p";

/** The grant of a plugin in {@linkcode DIR} asking for `permissions`, under a policy allowing all. */
function grantFor(
  permissions: Record<string, unknown>,
  more: { imports?: string[]; host?: string[] } = {},
): PermissionGrant {
  const manifest = parseManifest({ name: "p", version: "1.0.0", permissions, ...more });
  const all = { read: true, write: true, net: true, env: true, run: true, ffi: true, sys: true };
  return resolveGrant(manifest, DIR, resolvePolicy({ ...all, import: true, imports: true }, "/"));
}

/** Whether `after` widens `before`, checked both ways round where the other way is given. */
function widens(before: PermissionSet, after: PermissionSet): boolean {
  return diffPermissions(before, after).widens;
}

Deno.test("diffPermissions() of identical permissions lists no kinds and does not widen", () => {
  const grant = grantFor({ read: ["./data"], net: ["example.com:443"], sys: ["hostname"] });
  assert.deepEqual(diffPermissions(grant, grant), { widens: false, kinds: {} });
  assert.deepEqual(diffPermissions({}, {}), { widens: false, kinds: {} });
  assert.deepEqual(diffPermissions({ read: false, net: [] }, {}), { widens: false, kinds: {} });
});

Deno.test("diffPermissions() widens on a kind that was denied", async (t) => {
  const cases: [string, PermissionSet, PermissionSet, string][] = [
    ["env", {}, { env: ["HOME"] }, "env"],
    ["net after false", { net: false }, { net: ["example.com"] }, "net"],
    ["sys after []", { sys: [] }, { sys: ["hostname"] }, "sys"],
    ["run", { read: ["./x"] }, { read: ["./x"], run: ["git"] }, "run"],
    ["ffi", {}, { ffi: ["./lib/native.so"] }, "ffi"],
    ["import", {}, { import: ["esm.sh"] }, "import"],
    ["imports", {}, { imports: ["npm:left-pad@1"] }, "imports"],
    ["host", {}, { host: ["sum"] }, "host"],
  ];
  for (const [name, before, after, kind] of cases) {
    await t.step(name, () => {
      const diff = diffPermissions(before, after);
      assert.equal(diff.widens, true);
      assert.deepEqual(Object.keys(diff.kinds), [kind]);
      assert.equal(diff.kinds[kind as keyof PermissionDiff["kinds"]]?.widens, true);
      assert.deepEqual(diff.kinds[kind as keyof PermissionDiff["kinds"]]?.removed, []);
    });
  }
});

Deno.test("diffPermissions() widens on an item no old item covers, and not on a covered one", async (t) => {
  const cases: [string, PermissionSet, PermissionSet, boolean][] = [
    ["a file under an old folder", { read: ["./data"] }, { read: ["./data/x"] }, false],
    ["a sibling folder", { read: ["./data"] }, { read: ["./database"] }, true],
    ["the parent of an old folder", { read: ["./data/x"] }, { read: ["./data"] }, true],
    ["the plugin folder over a subfolder", { write: ["./cache"] }, { write: ["."] }, true],
    ["under the plugin folder", { write: ["."] }, { write: ["./cache/a"] }, false],
    ["an absolute path under an old one", { read: ["/srv"] }, { read: ["/srv/a/b"] }, false],
    ["an absolute path beside it", { read: ["/srv/a"] }, { read: ["/srv/ab"] }, true],
    ["anything under the root", { read: ["/"] }, { read: ["/etc/passwd"] }, false],
    ["a port of a host with every port", { net: ["example.com"] }, {
      net: ["example.com:443"],
    }, false],
    ["every port of a host with one", { net: ["example.com:443"] }, {
      net: ["example.com"],
    }, true],
    ["another port", { net: ["127.0.0.1:8080"] }, { net: ["127.0.0.1:8081"] }, true],
    ["another host", { net: ["example.com"] }, { net: ["example.org"] }, true],
    ["a subdomain of a wildcard", { net: ["*.example.com"] }, {
      net: ["api.example.com:443", "example.com"],
    }, false],
    ["a wildcard over a subdomain", { net: ["api.example.com"] }, {
      net: ["*.example.com"],
    }, true],
    ["an IPv6 port", { net: ["[::1]"] }, { net: ["[::1]:9000"] }, false],
    ["a host in other case", { net: ["example.com"] }, { net: ["EXAMPLE.com:80"] }, false],
    ["a variable under a prefix", { env: ["APP_*"] }, { env: ["APP_TOKEN", "APP_X_*"] }, false],
    ["a variable beside a prefix", { env: ["APP_*"] }, { env: ["APPLE"] }, true],
    ["a prefix over a variable", { env: ["APP_TOKEN"] }, { env: ["APP_*"] }, true],
    ["another program", { run: ["git"] }, { run: ["/usr/bin/git"] }, true],
    ["another sys name", { sys: ["hostname"] }, { sys: ["hostname", "osRelease"] }, true],
    ["another library", { ffi: ["./lib/a.so"] }, { ffi: ["./lib/b.so"] }, true],
    ["a remote import host's port", { import: ["esm.sh"] }, { import: ["esm.sh:443"] }, false],
    ["another host function", { host: ["sum"] }, { host: ["sum", "log"] }, true],
  ];
  for (const [name, before, after, expected] of cases) {
    await t.step(`${name}: widens is ${expected}`, () => {
      const diff = diffPermissions(before, after);
      assert.equal(diff.widens, expected, JSON.stringify(diff));
      const kinds = Object.values(diff.kinds);
      assert.equal(kinds.some((change) => change.widens), expected);
    });
  }
});

Deno.test("diffPermissions() judges a package entry by its versions and subpaths", async (t) => {
  const cases: [string, string, boolean][] = [
    ["npm:x", "npm:x@^1", false],
    ["npm:x@^1", "npm:x@^1.4", false],
    ["npm:x@^1", "npm:x@1.2.3", false],
    ["npm:x@^1", "npm:x@^2", true],
    ["npm:x@1.0.0", "npm:x@1.0.1", true],
    ["npm:x@^1", "npm:x", true],
    ["npm:x@latest", "npm:x@next", true],
    ["npm:x@^1", "npm:x@^1/sub", false],
    ["npm:x@^1/sub", "npm:x@^1/sub/deep.js", false],
    ["npm:x@^1/sub", "npm:x@^1/other", true],
    ["npm:@scope/x@^1", "npm:@scope/x@~1.2", false],
    ["npm:x", "npm:y", true],
    ["npm:x", "jsr:x", true],
    ["jsr:@std/path@^1", "jsr:@std/path@1.0.8", false],
  ];
  for (const [before, after, expected] of cases) {
    await t.step(`${before} → ${after}: widens is ${expected}`, () => {
      const diff = diffPermissions({ imports: [before] }, { imports: [after] });
      assert.deepEqual(diff.kinds.imports, { added: [after], removed: [before], widens: expected });
      assert.equal(diff.widens, expected);
    });
  }
});

Deno.test("diffPermissions() never widens on narrowing", async (t) => {
  const cases: [string, PermissionSet, PermissionSet][] = [
    ["a kind dropped", { read: ["./data"], env: ["HOME"] }, { read: ["./data"] }],
    ["every kind dropped", { read: ["./data"], net: ["example.com"], sys: ["uid"] }, {}],
    ["an item dropped", { env: ["HOME", "LANG"] }, { env: ["HOME"] }],
    ["a folder narrowed", { read: ["./data"] }, { read: ["./data/public"] }],
    ["a host narrowed to a port", { net: ["example.com"] }, { net: ["example.com:443"] }],
    ["a prefix narrowed", { env: ["APP_*"] }, { env: ["APP_TOKEN"] }],
    ["everything narrowed to a list", { net: true }, { net: ["example.com"] }],
  ];
  for (const [name, before, after] of cases) {
    await t.step(name, () => {
      const diff = diffPermissions(before, after);
      assert.equal(diff.widens, false);
      assert.ok(Object.keys(diff.kinds).length > 0);
      for (const change of Object.values(diff.kinds)) assert.equal(change.widens, false);
    });
  }
});

Deno.test("diffPermissions() lists added and removed items sorted, only for changed kinds", () => {
  const diff = diffPermissions(
    { read: ["./b", "./a"], env: ["HOME"], net: ["z.example", "a.example"], sys: ["uid"] },
    { read: ["./c", "./a", "./0"], env: ["HOME"], net: ["m.example"], sys: ["uid"], run: ["git"] },
  );
  assert.deepEqual(diff, {
    widens: true,
    kinds: {
      read: { added: ["./0", "./c"], removed: ["./b"], widens: true },
      net: { added: ["m.example"], removed: ["a.example", "z.example"], widens: true },
      run: { added: ["git"], removed: [], widens: true },
    },
  });
  assert.deepEqual(Object.keys(diff.kinds), ["read", "net", "run"]);
});

Deno.test("diffPermissions() reports per kind which kinds widen", () => {
  const diff = diffPermissions(
    { read: ["./data"], net: ["example.com:443"] },
    { read: ["./data/x", "./data"], net: ["example.com"] },
  );
  assert.equal(diff.widens, true);
  assert.equal(diff.kinds.read?.widens, false);
  assert.deepEqual(diff.kinds.read?.added, ["./data/x"]);
  assert.equal(diff.kinds.net?.widens, true);
});

Deno.test("diffPermissions() treats spellings of one item as the same item", () => {
  const diff = diffPermissions(
    { read: ["./data/", "data//x"], write: ["/tmp/out/"], net: ["Example.COM:443"] },
    { read: ["data", "./data/x"], write: ["/tmp/./out"], net: ["example.com:443"] },
  );
  assert.deepEqual(diff, { widens: false, kinds: {} });
  assert.deepEqual(diffPermissions({}, { read: ["data/"] }).kinds.read?.added, ["./data"]);
});

Deno.test("diffPermissions() compares manifest paths as written, and with dir against a grant", () => {
  const grant = grantFor({ read: ["./data"], write: ["./cache"] });
  assert.deepEqual(grant.read, [DIR, `${DIR}/data`]);
  const manifest = { read: [".", "./data"], write: ["./cache/"] };
  // Without dir a relative path is only itself: the grant's absolute paths are other items.
  const blind = diffPermissions(grant, manifest);
  assert.equal(blind.widens, true);
  assert.deepEqual(blind.kinds.read?.added, [".", "./data"]);
  assert.deepEqual(blind.kinds.read?.removed, [DIR, `${DIR}/data`]);
  // With dir they are the same items.
  assert.deepEqual(diffPermissions(grant, manifest, { dir: DIR }), { widens: false, kinds: {} });
  const wider = diffPermissions(grant, { ...manifest, write: ["./cache", "./out"] }, { dir: DIR });
  assert.deepEqual(wider.kinds, { write: { added: [`${DIR}/out`], removed: [], widens: true } });
  // An absolute path inside the plugin folder is the manifest's relative one.
  const inside = diffPermissions({ read: ["./data"] }, { read: [`${DIR}/data/x`] }, { dir: DIR });
  assert.equal(inside.widens, false);
});

Deno.test("diffPermissions() compares two grants of a reload", () => {
  const before = grantFor({ read: ["./data"], net: ["example.com"] }, { imports: ["npm:x@^1"] });
  const same = grantFor({ read: ["./data/"], net: ["example.com"] }, { imports: ["npm:x@^1"] });
  assert.deepEqual(diffPermissions(before, same), { widens: false, kinds: {} });
  const narrower = grantFor({ net: ["example.com:443"] }, { imports: ["npm:x@^1.2"] });
  const down = diffPermissions(before, narrower);
  assert.equal(down.widens, false);
  assert.deepEqual(Object.keys(down.kinds), ["read", "net", "imports"]);
  assert.deepEqual(down.kinds.read, { added: [], removed: [`${DIR}/data`], widens: false });
  const wider = grantFor({ read: ["./data"], net: ["example.com"], env: ["HOME"] }, {
    imports: ["npm:x@^1"],
    host: ["sum"],
  });
  const up = diffPermissions(before, wider);
  assert.equal(up.widens, true);
  assert.deepEqual(up.kinds, {
    env: { added: ["HOME"], removed: [], widens: true },
    host: { added: ["sum"], removed: [], widens: true },
  });
});

Deno.test("diffPermissions() reads a whole manifest as its permissions, imports and host", () => {
  const before = parseManifest({ name: "p", version: "1.0.0", permissions: { read: ["./a"] } });
  const after = parseManifest({
    name: "p",
    version: "2.0.0",
    permissions: { read: ["./a/b"] },
    imports: ["npm:x@1"],
  });
  const diff = diffPermissions(before, after);
  assert.equal(diff.widens, true);
  assert.deepEqual(Object.keys(diff.kinds), ["read", "imports"]);
  assert.equal(diff.kinds.read?.widens, false);
  assert.equal(diff.kinds.imports?.widens, true);
  const back = diffPermissions(after, before);
  assert.deepEqual(back.kinds.imports, { added: [], removed: ["npm:x@1"], widens: false });
  assert.deepEqual(Object.keys(diffPermissions(before.permissions, after.permissions).kinds), [
    "read",
  ]);
});

Deno.test("diffPermissions() reads true as everything of a kind, as a policy says it", () => {
  assert.deepEqual(diffPermissions({ net: ["example.com"] }, { net: true }).kinds.net, {
    added: ["*"],
    removed: ["example.com"],
    widens: true,
  });
  assert.equal(widens({ net: true }, { net: ["example.com"], env: [] }), false);
  assert.deepEqual(diffPermissions({ env: true }, { env: true }), { widens: false, kinds: {} });
  assert.equal(widens({ sys: false }, { sys: true }), true);
  assert.equal(widens({ read: true }, { read: ["/anything"] }), false);
});

Deno.test("diffPermissions() refuses what is not a set of permissions", async (t) => {
  const cases: [string, unknown, RegExp][] = [
    ["null", null, /before must be a grant, a manifest or its permissions; current value is null/],
    ["a list", ["read"], /current value is an array/],
    ["an unknown kind", { reads: ["./a"] }, /before\.reads is not a permission kind; use read, /],
    ["a string kind", { read: "./a" }, /before\.read must be false, true or a list of non-empty/],
    ["an empty item", { env: [""] }, /before\.env must be false, true or a list/],
    ["a number item", { env: [1] }, /current value is \[1\]/],
  ];
  for (const [name, value, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => diffPermissions(value as PermissionSet, {}), {
        name: "TypeError",
        message,
      });
    });
  }
  assert.throws(() => diffPermissions({}, { run: [true] } as unknown as PermissionSet), {
    name: "TypeError",
    message: /Cannot diff permissions: after\.run must be/,
  });
  assert.throws(() => diffPermissions({}, {}, { dir: "" }), {
    name: "TypeError",
    message: /options\.dir must be a non-empty path; current value is ""/,
  });
});

Deno.test("diffPermissions() returns frozen, sorted, stable results", () => {
  const before = { env: ["B", "A", "C"] };
  const after = { env: ["C", "E", "D"] };
  const first = diffPermissions(before, after);
  const second = diffPermissions({ env: ["C", "A", "B"] }, { env: ["D", "C", "E"] });
  assert.deepEqual(first, second);
  assert.deepEqual(first.kinds.env, { added: ["D", "E"], removed: ["A", "B"], widens: true });
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.kinds));
  assert.ok(Object.isFrozen(first.kinds.env) && Object.isFrozen(first.kinds.env?.added));
  assert.deepEqual(before.env, ["B", "A", "C"]);
});
