/**
 * Tests of learnPermissions(): accesses turned into the smallest manifest
 * permissions, merged with the manifest's own.
 */
import { parseManifest } from "@sandplug/host";
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Access, learnPermissions } from "../src/permissions/learn.ts";

const DIR = "/plugins/p";

/** The learned permissions of accesses written as [kind, value] pairs. */
function learn(
  pairs: [string, string | undefined][],
  options: Parameters<typeof learnPermissions>[2] = {},
) {
  const accesses: Access[] = pairs.map(([kind, value]) => ({ kind, value }));
  return learnPermissions(DIR, accesses, { cwd: "/work", ...options });
}

Deno.test("learnPermissions() spells a path inside the plugin folder relative, others absolute", () => {
  const learned = learn([
    ["read", "/plugins/p/data/x.json"],
    ["read", "/etc/hostname"],
    ["write", "/plugins/p/cache/out.txt"],
    ["write", "/tmp/out.txt"],
    ["ffi", "/plugins/p/lib/native.so"],
    ["read", "/plugins/p"],
  ]);
  assert.deepEqual(learned.permissions, {
    read: [".", "/etc/hostname"],
    write: ["./cache/out.txt", "/tmp/out.txt"],
    ffi: ["./lib/native.so"],
  });
  assert.deepEqual(learned.unresolved, []);
  assert.deepEqual(learn([["read", "/plugins/p/data/x.json"]]).permissions, {
    read: ["./data/x.json"],
  });
  // A sibling whose name starts with the folder's is outside it.
  assert.deepEqual(learn([["read", "/plugins/p2/x"]]).permissions, { read: ["/plugins/p2/x"] });
});

Deno.test("learnPermissions() resolves a relative path against cwd", () => {
  assert.deepEqual(learn([["read", "./a.txt"], ["read", "data/b.txt"]]).permissions, {
    read: ["/work/a.txt", "/work/data/b.txt"],
  });
  const inside = learnPermissions("p", [{ kind: "write", value: "p/out//x.txt" }], {
    cwd: "/plugins",
  });
  assert.deepEqual(inside.permissions, { write: ["./out/x.txt"] });
});

Deno.test("learnPermissions() dedupes and drops items other items cover", () => {
  const learned = learn([
    ["read", "/plugins/p/data/a.json"],
    ["read", "/plugins/p/data/a.json"],
    ["read", "/plugins/p/data"],
    ["read", "/plugins/p/data/deep/b.json"],
    ["read", "/plugins/p/database.json"],
    ["net", "localhost:80"],
    ["net", "http://localhost/"],
    ["env", "HOME"],
    ["env", "HOME"],
  ]);
  assert.deepEqual(learned.permissions, {
    read: ["./data", "./database.json"],
    net: ["localhost:80"],
    env: ["HOME"],
  });
});

Deno.test("learnPermissions() keeps hosts with the port they were reached on", () => {
  const learned = learn([
    ["net", "127.0.0.1:9"],
    ["net", "127.0.0.1:8080"],
    ["net", "https://Example.com/path?q"],
    ["net", "ws://localhost:3000/socket"],
    ["net", "0.0.0.0:0"],
    ["net", "[::1]:9000"],
    ["import", "esm.sh:443"],
    ["import", "deno.land:8443"],
  ]);
  assert.deepEqual(learned.permissions, {
    net: [
      "0.0.0.0:0",
      "127.0.0.1:8080",
      "127.0.0.1:9",
      "[::1]:9000",
      "example.com:443",
      "localhost:3000",
    ],
    import: ["deno.land:8443", "esm.sh"],
  });
});

Deno.test("learnPermissions() keeps programs, variables and sys names as named", () => {
  const learned = learn([
    ["run", "git"],
    ["run", "/bin/echo"],
    ["env", "LANG"],
    ["sys", "osUptime"],
    ["sys", "hostname"],
  ]);
  assert.deepEqual(learned.permissions, {
    env: ["LANG"],
    run: ["/bin/echo", "git"],
    sys: ["hostname", "osUptime"],
  });
});

Deno.test("learnPermissions() merges base into a superset, keeping it minimal", () => {
  const base = {
    read: ["./data/"],
    net: ["example.com"],
    env: ["APP_*"],
    write: false as const,
    sys: ["uid" as const],
  };
  const learned = learn([
    ["read", "/plugins/p/data/x.json"],
    ["read", "/plugins/p/other.json"],
    ["net", "example.com:443"],
    ["net", "api.example.com:443"],
    ["env", "APP_TOKEN"],
    ["env", "HOME"],
  ], { base });
  assert.deepEqual(learned.permissions, {
    read: ["./data", "./other.json"],
    net: ["api.example.com:443", "example.com"],
    env: ["APP_*", "HOME"],
    sys: ["uid"],
  });
  // The result allows everything base did.
  assert.deepEqual(learn([], { base }).permissions, {
    read: ["./data"],
    net: ["example.com"],
    env: ["APP_*"],
    sys: ["uid"],
  });
  // A base path spelt absolute inside the folder covers a learned relative one.
  assert.deepEqual(
    learn([["read", "/plugins/p/data/x"]], { base: { read: ["/plugins/p/data"] } }).permissions,
    { read: ["./data"] },
  );
});

Deno.test("learnPermissions() returns what no item can allow as unresolved, once each", () => {
  const learned = learn([
    ["env", undefined],
    ["env", undefined],
    ["net", ""],
    ["hrtime", undefined],
    ["all", "x"],
    ["env", "MY-VAR"],
    ["sys", "bogus"],
    ["net", "http://"],
    ["env", "HOME"],
  ]);
  assert.deepEqual(learned.permissions, { env: ["HOME"] });
  assert.deepEqual(learned.unresolved.map(({ kind, value }) => [kind, value]), [
    ["env", undefined],
    ["net", ""],
    ["hrtime", undefined],
    ["all", "x"],
    ["env", "MY-VAR"],
    ["sys", "bogus"],
    ["net", "http://"],
  ]);
  const reasons = learned.unresolved.map((access) => access.reason);
  assert.match(reasons[0], /Deno checked all of "env" at once .*ask for each item by name/);
  assert.match(reasons[2], /"hrtime" is not a permission plugin\.json can grant/);
  assert.match(
    reasons[4],
    /plugin\.json cannot hold it: "MY-VAR" is not an environment variable name/,
  );
  assert.match(reasons[5], /plugin\.json cannot hold it: "bogus" is not a sys permission/);
  assert.match(reasons[6], /"http:\/\/" is neither a host nor a URL/);
});

Deno.test("learnPermissions() leaves out what ignore says, seeing paths absolute", () => {
  const seen: Access[] = [];
  const learned = learn([
    ["read", "./mod.ts"],
    ["read", "/plugins/p/data.json"],
    ["net", "http://localhost:8000/"],
  ], {
    cwd: DIR,
    ignore: (access) => {
      seen.push(access);
      return access.value === join(DIR, "mod.ts") || access.value === "localhost:8000";
    },
  });
  assert.deepEqual(learned.permissions, { read: ["./data.json"] });
  assert.deepEqual(seen, [
    { kind: "read", value: "/plugins/p/mod.ts" },
    { kind: "read", value: "/plugins/p/data.json" },
    { kind: "net", value: "localhost:8000" },
  ]);
});

Deno.test("learnPermissions() output parses as a manifest's permissions", () => {
  const learned = learn([
    ["read", "/plugins/p/data/x.json"],
    ["read", "/srv/shared"],
    ["net", "127.0.0.1:9"],
    ["env", "HOME"],
    ["sys", "hostname"],
    ["run", "git"],
    ["import", "esm.sh:443"],
  ]);
  const manifest = parseManifest({
    name: "p",
    version: "1.0.0",
    permissions: learned.permissions,
  });
  assert.deepEqual(manifest.permissions, learned.permissions);
  assert.deepEqual(Object.keys(learned.permissions), [
    "read",
    "net",
    "env",
    "run",
    "sys",
    "import",
  ]);
});

Deno.test("learnPermissions() refuses bad arguments with a TypeError", async (t) => {
  const cases: [string, () => unknown, RegExp][] = [
    ["an empty dir", () => learnPermissions("", []), /dir must be the plugin folder/],
    [
      "an access without a kind",
      () => learnPermissions(DIR, [{ value: "x" } as unknown as Access]),
      /each access must be \{ kind, value \}/,
    ],
    [
      "a numeric value",
      () => learnPermissions(DIR, [{ kind: "env", value: 1 } as unknown as Access]),
      /current value is \{"kind":"env","value":1\}/,
    ],
    [
      "a base with an unknown kind",
      () => learnPermissions(DIR, [], { base: { reads: ["./a"] } as never }),
      /options\.base\.reads is not a permission kind/,
    ],
    [
      "a base kind that is not a list",
      () => learnPermissions(DIR, [], { base: { read: true } as never }),
      /options\.base\.read must be false or a list; current value is true/,
    ],
  ];
  for (const [name, run, message] of cases) {
    await t.step(name, () => assert.throws(run, { name: "TypeError", message }));
  }
  // A null value is the audit's "whole kind", the same as undefined.
  const nullValue = learnPermissions(DIR, [{ kind: "env", value: null } as unknown as Access]);
  assert.deepEqual(nullValue.unresolved.map((access) => access.value), [undefined]);
});
