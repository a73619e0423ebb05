/**
 * Tests of the effective grant: resolvePolicy, resolveGrant and
 * toWorkerPermissions, and host.load() refusing with PermissionDeniedError.
 */
import {
  createHost,
  type HostPolicy,
  parseManifest,
  PermissionDeniedError,
  type PermissionGrant,
  PluginError,
} from "@sandplug/host";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  resolveGrant,
  resolvePolicy,
  toWorkerPermissions,
} from "../src/permissions/permissions.ts";
import { tempPlugin } from "./_helpers.ts";

const DIR = "/plugins/p";
const CWD = "/host";
const KINDS = ["read", "write", "net", "env", "run", "ffi", "sys", "import"] as const;

/** The grant of a plugin named "p" in {@linkcode DIR} asking for `permissions`, under `policy`. */
function grantFor(permissions: Record<string, unknown>, policy: HostPolicy = {}): PermissionGrant {
  const manifest = parseManifest({ name: "p", version: "1.0.0", permissions });
  return resolveGrant(manifest, DIR, resolvePolicy(policy, CWD));
}

/** The PermissionDeniedError that {@linkcode grantFor} must throw. */
function denial(
  permissions: Record<string, unknown>,
  policy: HostPolicy = {},
): PermissionDeniedError {
  try {
    grantFor(permissions, policy);
  } catch (error) {
    assert.ok(error instanceof PermissionDeniedError, `expected PermissionDeniedError: ${error}`);
    return error;
  }
  assert.fail(`the policy ${JSON.stringify(policy)} allowed ${JSON.stringify(permissions)}`);
}

/** The TypeError that resolvePolicy() must throw for `policy`. */
function policyError(policy: unknown): TypeError {
  try {
    resolvePolicy(policy as HostPolicy, CWD);
  } catch (error) {
    assert.ok(error instanceof TypeError, `expected a TypeError: ${error}`);
    return error;
  }
  assert.fail(`resolvePolicy() accepted ${JSON.stringify(policy)}`);
}

Deno.test("resolvePolicy() denies every kind by default", () => {
  const policy = resolvePolicy(undefined, CWD);
  assert.deepEqual(policy, {
    read: [],
    write: [],
    net: [],
    env: [],
    run: [],
    ffi: [],
    sys: [],
    import: [],
    imports: [],
    host: true,
  });
  assert.deepEqual(resolvePolicy({ net: false, env: [] }, CWD).net, []);
});

Deno.test("resolvePolicy() makes path kinds absolute against cwd and keeps the others as written", () => {
  const policy = resolvePolicy({
    read: ["./data", "/srv/shared"],
    write: ["cache"],
    ffi: ["../lib/native.so"],
    net: ["example.com:443"],
    env: ["APP_*"],
    run: ["git"],
    sys: true,
  }, CWD);
  assert.deepEqual(policy.read, ["/host/data", "/srv/shared"]);
  assert.deepEqual(policy.write, ["/host/cache"]);
  assert.deepEqual(policy.ffi, ["/lib/native.so"]);
  assert.deepEqual(policy.net, ["example.com:443"]);
  assert.deepEqual(policy.env, ["APP_*"]);
  assert.deepEqual(policy.run, ["git"]);
  assert.equal(policy.sys, true);
  assert.deepEqual(policy.import, []);
});

Deno.test("resolvePolicy() throws a TypeError naming an unknown kind", async (t) => {
  for (const kind of ["network", "Read", "hrtime"]) {
    await t.step(kind, () => {
      const error = policyError({ [kind]: true });
      assert.equal(
        error.message,
        `Cannot create host: allow.${kind} is not a permission kind; use read, write, net, env, run, ffi, sys, import, imports, host`,
      );
    });
  }
});

Deno.test("resolvePolicy() throws a TypeError naming the kind and current value of a malformed entry", async (t) => {
  const cases: { name: string; policy: Record<string, unknown>; shown: string }[] = [
    { name: "a string instead of a list", policy: { net: "x" }, shown: 'allow.net .* "x"' },
    {
      name: "a list holding a number",
      policy: { read: ["./a", 1] },
      shown: 'allow.read .* \\["./a",1\\]',
    },
    {
      name: "a list holding an empty string",
      policy: { env: [""] },
      shown: 'allow.env .* \\[""\\]',
    },
    { name: "an object", policy: { run: { git: true } }, shown: 'allow.run .* \\{"git":true\\}' },
    { name: "a number", policy: { sys: 1 }, shown: "allow.sys .* 1" },
    { name: "null", policy: { write: null }, shown: "allow.write .* null" },
  ];
  for (const { name, policy, shown } of cases) {
    await t.step(name, () => {
      const error = policyError(policy);
      assert.match(
        error.message,
        /^Cannot create host: allow\.\w+ must be true, false or a list of non-empty strings; current value is /,
      );
      assert.match(error.message, new RegExp(shown));
    });
  }
});

Deno.test("resolvePolicy() throws a TypeError when allow is not an object", () => {
  assert.equal(
    policyError(null).message,
    "Cannot create host: allow must be an object; current value is null",
  );
  assert.match(policyError("net").message, /allow must be an object; current value is "net"$/);
});

Deno.test("createHost() throws the same TypeError for a malformed policy", async (t) => {
  const policies: unknown[] = [{ network: ["x"] }, { net: "x" }, { read: [""] }, null];
  for (const allow of policies) {
    await t.step(JSON.stringify(allow), () => {
      const expected = policyError(allow).message;
      assert.throws(
        () => createHost({ allow: allow as HostPolicy }),
        (error: unknown) => {
          assert.ok(error instanceof TypeError);
          assert.equal(error.message, expected);
          return true;
        },
      );
    });
  }
});

Deno.test("resolveGrant() under the default policy refuses every kind but reads of the plugin's folder", () => {
  const error = denial({
    read: ["./data"],
    write: ["./cache"],
    net: ["api.example.com:443", "127.0.0.1"],
    env: ["HOME", "APP_*"],
    run: ["git"],
    ffi: ["./lib/native.so"],
    sys: ["hostname", "cpus"],
    import: ["esm.sh"],
  });
  assert.equal(error.plugin, "p");
  assert.equal(error.code, "PERMISSION_DENIED");
  assert.deepEqual(error.denied.map(askedItem), [
    { kind: "write", value: "./cache" },
    { kind: "net", value: "api.example.com:443" },
    { kind: "net", value: "127.0.0.1" },
    { kind: "env", value: "HOME" },
    { kind: "env", value: "APP_*" },
    { kind: "run", value: "git" },
    { kind: "ffi", value: "./lib/native.so" },
    { kind: "sys", value: "hostname" },
    { kind: "sys", value: "cpus" },
    { kind: "import", value: "esm.sh" },
  ]);
  for (const { kind, value } of error.denied) {
    assert.ok(error.message.includes(`${kind} ${JSON.stringify(value)}`), `${kind} ${value}`);
  }
  assert.doesNotMatch(error.message, /read "/);
  assert.match(
    error.message,
    /^Cannot load plugin "p": its manifest asks for permissions the host/,
  );
  assert.ok(
    error.message.includes(
      'createHost({ allow: { write: ["/plugins/p/cache"], net: ["api.example.com:443","127.0.0.1"], ' +
        'env: ["HOME","APP_*"], run: ["git"], ffi: ["/plugins/p/lib/native.so"], sys: ["hostname","cpus"], ' +
        'import: ["esm.sh"] } })',
    ),
    error.message,
  );
  assert.match(error.message, /or remove them from plugin\.json$/);
});

Deno.test("resolveGrant() refuses each kind on its own under the default policy", async (t) => {
  const cases: [string, string][] = [
    ["write", "./out"],
    ["net", "example.com"],
    ["env", "HOME"],
    ["run", "curl"],
    ["ffi", "./x.so"],
    ["sys", "hostname"],
    ["import", "esm.sh"],
  ];
  for (const [kind, value] of cases) {
    await t.step(kind, () => {
      const error = denial({ [kind]: [value] });
      assert.deepEqual(error.denied.map(askedItem), [{ kind, value }]);
      // Path items are suggested as the absolute path they resolve to, as policies read them.
      const allow = kind === "write" || kind === "ffi" ? join("/plugins/p", value) : value;
      assert.ok(
        error.message.includes(`createHost({ allow: { ${kind}: ${JSON.stringify([allow])} } })`),
        error.message,
      );
    });
  }
});

Deno.test("resolveGrant() lets a plugin read inside its own folder without any policy", () => {
  const grant = grantFor({ read: [".", "./data", "sub/../data/x.txt"] });
  assert.deepEqual(grant.read, [DIR, `${DIR}/data`, `${DIR}/data/x.txt`]);
});

Deno.test("resolveGrant() puts the plugin's folder first in read", async (t) => {
  const cases: { name: string; permissions: Record<string, unknown>; policy: HostPolicy }[] = [
    { name: "no read asked", permissions: {}, policy: {} },
    { name: "read: false", permissions: { read: false }, policy: {} },
    {
      name: "an outside path asked first",
      permissions: { read: ["/srv/x", "./d"] },
      policy: { read: true },
    },
  ];
  for (const { name, permissions, policy } of cases) {
    await t.step(name, () => {
      assert.equal(grantFor(permissions, policy).read[0], DIR);
    });
  }
  assert.deepEqual(grantFor({ read: ["/srv/x", "./d"] }, { read: true }).read, [
    DIR,
    "/srv/x",
    `${DIR}/d`,
  ]);
});

Deno.test("resolveGrant() refuses an absolute read path outside the folder unless the policy allows it", () => {
  const error = denial({ read: ["/etc/hosts", "./data"] });
  assert.deepEqual(error.denied.map(askedItem), [{ kind: "read", value: "/etc/hosts" }]);
  assert.match(error.message, /read "\/etc\/hosts"/);
  assert.ok(error.message.includes('allow: { read: ["/etc/hosts"] }'), error.message);
  assert.deepEqual(grantFor({ read: ["/etc/hosts"] }, { read: ["/etc"] }).read, [
    DIR,
    "/etc/hosts",
  ]);
});

Deno.test("resolveGrant() reads a policy path as covering its sub-paths but not its siblings", async (t) => {
  const policy = { read: ["/a/b"], write: ["/a/b"], ffi: ["/a/b"] };
  for (const kind of ["read", "write", "ffi"] as const) {
    await t.step(`${kind}: /a/b covers /a/b and /a/b/c/d`, () => {
      assert.deepEqual(grantFor({ [kind]: ["/a/b", "/a/b/c/d"] }, policy)[kind].slice(-2), [
        "/a/b",
        "/a/b/c/d",
      ]);
    });
    await t.step(`${kind}: /a/b does not cover /a/bc, /a or /a/b/../c`, () => {
      const error = denial({ [kind]: ["/a/bc", "/a", "/a/b/../c", "/a/b/ok"] }, policy);
      assert.deepEqual(error.denied.map(askedItem), [
        { kind, value: "/a/bc" },
        { kind, value: "/a" },
        { kind, value: "/a/b/../c" },
      ]);
    });
  }
});

Deno.test("resolveGrant() resolves the policy's relative paths against the host's cwd", () => {
  // CWD is /host, so "./plugins" means /host/plugins, which does not hold DIR (/plugins/p).
  const error = denial({ write: ["./cache"] }, { write: ["./plugins"] });
  assert.deepEqual(error.denied.map(askedItem), [{ kind: "write", value: "./cache" }]);
  assert.deepEqual(grantFor({ write: ["./cache"] }, { write: ["/plugins"] }).write, [
    `${DIR}/cache`,
  ]);
});

Deno.test("resolveGrant() reads a net policy without a port as any port, with a port as that port only", async (t) => {
  await t.step('"127.0.0.1" covers "127.0.0.1:8080" and "127.0.0.1"', () => {
    assert.deepEqual(
      grantFor({ net: ["127.0.0.1:8080", "127.0.0.1"] }, { net: ["127.0.0.1"] }).net,
      ["127.0.0.1:8080", "127.0.0.1"],
    );
  });
  await t.step('"127.0.0.1:80" does not cover "127.0.0.1:8080"', () => {
    const error = denial({ net: ["127.0.0.1:8080"] }, { net: ["127.0.0.1:80"] });
    assert.deepEqual(error.denied.map(askedItem), [{ kind: "net", value: "127.0.0.1:8080" }]);
    assert.match(error.message, /allow: \{ net: \["127\.0\.0\.1:8080"\] \}/);
  });
  await t.step('"127.0.0.1:80" does not cover "127.0.0.1" (every port)', () => {
    assert.deepEqual(
      denial({ net: ["127.0.0.1"] }, { net: ["127.0.0.1:80"] }).denied.map(askedItem),
      [
        { kind: "net", value: "127.0.0.1" },
      ],
    );
  });
  await t.step('"127.0.0.1:80" covers "127.0.0.1:80"', () => {
    assert.deepEqual(grantFor({ net: ["127.0.0.1:80"] }, { net: ["127.0.0.1:80"] }).net, [
      "127.0.0.1:80",
    ]);
  });
  await t.step('"example.com" does not cover "api.example.com" or "localhost"', () => {
    assert.deepEqual(
      denial({ net: ["api.example.com", "localhost"] }, { net: ["example.com"] }).denied.map(
        askedItem,
      ),
      [{ kind: "net", value: "api.example.com" }, { kind: "net", value: "localhost" }],
    );
  });
  await t.step("import hosts follow the same rules", () => {
    assert.deepEqual(grantFor({ import: ["esm.sh:443"] }, { import: ["esm.sh"] }).import, [
      "esm.sh:443",
    ]);
    assert.deepEqual(
      denial({ import: ["esm.sh:8443"] }, { import: ["esm.sh:443"] }).denied.map(askedItem),
      [
        { kind: "import", value: "esm.sh:8443" },
      ],
    );
  });
});

/** The part of a denied item the manifest wrote, for comparisons. */
const askedItem = ({ kind, value }: { kind: string; value: string }) => ({ kind, value });

Deno.test('resolveGrant() reads an env policy "APP_*" as a prefix', () => {
  assert.deepEqual(grantFor({ env: ["APP_KEY", "APP_"] }, { env: ["APP_*"] }).env, [
    "APP_KEY",
    "APP_",
  ]);
  const error = denial({ env: ["APP_KEY", "HOME", "APPKEY"] }, { env: ["APP_*"] });
  assert.deepEqual(error.denied.map(askedItem), [{ kind: "env", value: "HOME" }, {
    kind: "env",
    value: "APPKEY",
  }]);
  assert.match(error.message, /allow: \{ env: \["HOME","APPKEY"\] \}/);
});

Deno.test("resolveGrant() does not let an exact env policy cover a prefix the plugin asks for", () => {
  assert.deepEqual(denial({ env: ["APP_*"] }, { env: ["APP_KEY"] }).denied.map(askedItem), [
    { kind: "env", value: "APP_*" },
  ]);
  assert.deepEqual(grantFor({ env: ["APP_*"] }, { env: ["APP_*"] }).env, ["APP_*"]);
});

Deno.test("resolveGrant() matches run and sys items exactly", () => {
  assert.deepEqual(grantFor({ run: ["git"], sys: ["cpus"] }, { run: ["git"], sys: ["cpus"] }).run, [
    "git",
  ]);
  assert.deepEqual(
    denial({ run: ["gitk"], sys: ["uid"] }, { run: ["git"], sys: ["cpus"] }).denied.map(askedItem),
    [
      { kind: "run", value: "gitk" },
      { kind: "sys", value: "uid" },
    ],
  );
});

Deno.test("resolveGrant() lets a policy of true allow any item of that kind, and only that kind", async (t) => {
  const asked: Record<string, string[]> = {
    read: ["/etc/hosts"],
    write: ["/tmp/out"],
    net: ["example.com:1234"],
    env: ["ANYTHING"],
    run: ["/bin/sh"],
    ffi: ["/usr/lib/x.so"],
    sys: ["uid"],
    import: ["deno.land"],
  };
  for (const kind of KINDS) {
    await t.step(kind, () => {
      const grant = grantFor({ [kind]: asked[kind] }, { [kind]: true });
      assert.deepEqual(grant[kind], kind === "read" ? [DIR, ...asked[kind]] : asked[kind]);
      const other = KINDS.find((k) => k !== kind && k !== "read")!;
      assert.deepEqual(
        denial({ [kind]: asked[kind], [other]: asked[other] }, { [kind]: true }).denied.map(
          askedItem,
        ),
        asked[other].map((value) => ({ kind: other, value })),
      );
    });
  }
});

Deno.test("resolveGrant() grants exactly what was asked, not the whole policy", () => {
  const grant = grantFor({ net: ["a.example.com"] }, {
    net: ["a.example.com", "b.example.com"],
    env: true,
    write: ["/"],
  });
  assert.deepEqual(grant, {
    read: [DIR],
    write: [],
    net: ["a.example.com"],
    env: [],
    run: [],
    ffi: [],
    sys: [],
    import: [],
    imports: [],
    host: [],
  });
});

Deno.test("resolveGrant() lists each item once", () => {
  const grant = grantFor({ read: [".", "./", "./data", "data"], net: ["x.com", "x.com"] }, {
    net: ["x.com"],
  });
  assert.deepEqual(grant.read, [DIR, `${DIR}/data`]);
  assert.deepEqual(grant.net, ["x.com"]);
});

Deno.test({
  name: 'resolveGrant() treats a file named "..data" inside the folder as inside it',
  fn() {
    assert.deepEqual(grantFor({ read: ["./..data"] }).read, [DIR, `${DIR}/..data`]);
    assert.deepEqual(grantFor({ write: ["/a/..b"] }, { write: ["/a"] }).write, ["/a/..b"]);
  },
});

Deno.test("toWorkerPermissions() names every kind and gives false for each empty one", () => {
  const permissions = toWorkerPermissions(grantFor({}));
  assert.deepEqual(permissions, {
    read: [DIR],
    write: false,
    net: false,
    env: false,
    run: false,
    ffi: false,
    sys: false,
    import: false,
  });
  for (const kind of KINDS) {
    assert.notEqual(permissions[kind], "inherit", kind);
    assert.notEqual(permissions[kind], true, kind);
  }
});

Deno.test("toWorkerPermissions() copies the granted items of every kind", () => {
  const grant: PermissionGrant = {
    read: [DIR, "/etc/hosts"],
    write: [`${DIR}/cache`],
    net: ["127.0.0.1:8080"],
    env: ["APP_*"],
    run: ["git"],
    ffi: [`${DIR}/x.so`],
    sys: ["hostname"],
    import: ["esm.sh"],
    imports: ["npm:left-pad"],
    host: ["sum"],
  };
  const permissions = toWorkerPermissions(grant);
  const { imports: _declared, host: _functions, ...denoKinds } = grant;
  assert.deepEqual(permissions, denoKinds);
  assert.notEqual(permissions.read, grant.read, "the lists are copies");
  const empty = Object.fromEntries(KINDS.map((kind) => [kind, []])) as unknown as PermissionGrant;
  assert.deepEqual(
    toWorkerPermissions(empty),
    Object.fromEntries(KINDS.map((kind) => [kind, false])),
  );
});

Deno.test("host.load() refuses a plugin asking for more than the default policy, listing every item", async () => {
  await using plugin = await tempPlugin({
    name: "greedy",
    permissions: {
      read: ["./data"],
      net: ["example.com:443"],
      env: ["HOME"],
      write: ["/tmp/sandplug-out"],
      run: ["sh"],
      sys: ["hostname"],
    },
  });
  await using host = createHost();
  const loads: string[] = [];
  host.addEventListener("load", (event) => loads.push((event as CustomEvent).detail.plugin));
  await assert.rejects(host.load(plugin.dir), (error: unknown) => {
    assert.ok(error instanceof PermissionDeniedError);
    assert.ok(error instanceof PluginError);
    assert.equal(error.name, "PermissionDeniedError");
    assert.equal(error.plugin, "greedy");
    assert.deepEqual(error.denied.map(askedItem), [
      { kind: "write", value: "/tmp/sandplug-out" },
      { kind: "net", value: "example.com:443" },
      { kind: "env", value: "HOME" },
      { kind: "run", value: "sh" },
      { kind: "sys", value: "hostname" },
    ]);
    assert.ok(
      error.message.includes(
        'createHost({ allow: { write: ["/tmp/sandplug-out"], net: ["example.com:443"], ' +
          'env: ["HOME"], run: ["sh"], sys: ["hostname"] } })',
      ),
      error.message,
    );
    assert.match(error.message, /^Cannot load plugin "greedy": /);
    return true;
  });
  assert.equal(host.plugins.length, 0);
  assert.deepEqual(loads, []);
});

Deno.test("host.load() refuses an absolute read path outside the plugin folder unless allowed", async () => {
  await using plugin = await tempPlugin({});
  const outside = join(plugin.parent, "shared");
  await Deno.mkdir(outside);
  await Deno.writeTextFile(
    join(plugin.dir, "plugin.json"),
    JSON.stringify({ name: "reader", version: "1.0.0", permissions: { read: [outside] } }),
  );
  {
    await using host = createHost();
    await assert.rejects(host.load(plugin.dir), (error: unknown) => {
      assert.ok(error instanceof PermissionDeniedError);
      assert.deepEqual(error.denied.map(askedItem), [{ kind: "read", value: outside }]);
      assert.ok(error.message.includes(`allow: { read: ${JSON.stringify([outside])} }`));
      return true;
    });
  }
  {
    await using host = createHost({ allow: { read: [plugin.parent] } });
    const loaded = await host.load(plugin.dir);
    const dir = await Deno.realPath(plugin.dir);
    assert.deepEqual(loaded.permissions.read, [dir, outside]);
    assert.deepEqual(loaded.permissions.net, []);
  }
});

Deno.test("host.load() grants reads inside the plugin folder under the default policy", async () => {
  await using plugin = await tempPlugin(
    { permissions: { read: ["./data"] } },
    'export const text = await Deno.readTextFile(new URL("./data/a.txt", import.meta.url));\n',
    { "data/a.txt": "hello" },
  );
  await using host = createHost();
  const loaded = await host.load(plugin.dir);
  const dir = await Deno.realPath(plugin.dir);
  assert.deepEqual(loaded.permissions.read, [dir, join(dir, "data")]);
  for (const kind of KINDS.filter((kind) => kind !== "read")) {
    assert.deepEqual(loaded.permissions[kind], [], kind);
  }
});

Deno.test("host.load() grants what the policy allows once it covers every item", async () => {
  await using plugin = await tempPlugin({
    permissions: { net: ["127.0.0.1:8080"], env: ["APP_KEY"], write: ["./cache"] },
  });
  const dir = await Deno.realPath(plugin.dir);
  await using host = createHost({
    allow: { net: ["127.0.0.1"], env: ["APP_*"], write: [dir] },
  });
  const loaded = await host.load(plugin.dir);
  assert.deepEqual(loaded.permissions.net, ["127.0.0.1:8080"]);
  assert.deepEqual(loaded.permissions.env, ["APP_KEY"]);
  assert.deepEqual(loaded.permissions.write, [join(dir, "cache")]);
});

// Policy paths resolve against the host's cwd, not the plugin's folder, so the suggested fix
// must name the absolute path a relative item resolves to, or following it would not help.
Deno.test({
  name: "PermissionDeniedError suggests a fix that allows a relative path item when applied",
  async fn() {
    await using plugin = await tempPlugin({ permissions: { write: ["./cache"] } });
    const dir = await Deno.realPath(plugin.dir);
    await using host = createHost();
    await assert.rejects(host.load(plugin.dir), (error: unknown) => {
      assert.ok(error instanceof PermissionDeniedError);
      assert.ok(
        error.message.includes(`allow: { write: ${JSON.stringify([join(dir, "cache")])} }`),
        error.message,
      );
      return true;
    });
  },
});
