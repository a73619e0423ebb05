/**
 * Tests of host functions outside the wire: the manifest's `host` list, the
 * policy that bounds it, the grant that shows it, and the load-time check of
 * `provide`. The contract's `host` section is in host_contract_test.ts.
 */
import assert from "node:assert/strict";
import {
  createHost,
  type HostPolicy,
  type IsolationName,
  ManifestError,
  parseManifest,
  PermissionDeniedError,
  type PermissionGrant,
  PluginLoadError,
} from "@sandplug/host";
import { resolveGrant, resolvePolicy } from "../src/permissions/permissions.ts";
import { checkProvided, providedFunctions } from "../src/host/host_functions.ts";
import { processArgs } from "../src/isolation/process/args.ts";
import { tempPlugin } from "./_helpers.ts";

const DIR = "/plugins/p";

function manifestIssues(host: unknown): { path: string; message: string }[] {
  try {
    parseManifest({ name: "p", version: "1.0.0", host });
  } catch (error) {
    assert.ok(error instanceof ManifestError);
    return error.issues.map(({ path, message }) => ({ path, message }));
  }
  assert.fail(`parseManifest() accepted host: ${JSON.stringify(host)}`);
}

function grantFor(host: string[], policy: HostPolicy = {}): PermissionGrant {
  const manifest = parseManifest({ name: "p", version: "1.0.0", host });
  return resolveGrant(manifest, DIR, resolvePolicy(policy, "/"));
}

Deno.test("parseManifest() reads host as a list of function names, empty by default", async (t) => {
  assert.deepEqual(parseManifest({ name: "p", version: "1.0.0" }).host, []);
  const good = ["sum", "user", "_private", "$", "get2", "camelCase", "A_b$9", "x".repeat(100)];
  for (const name of good) {
    await t.step(name.slice(0, 20), () => {
      assert.deepEqual(parseManifest({ name: "p", version: "1.0.0", host: [name] }).host, [name]);
    });
  }
  const many = Array.from({ length: 256 }, (_, index) => `f${index}`);
  assert.equal(parseManifest({ name: "p", version: "1.0.0", host: many }).host.length, 256);
});

Deno.test("parseManifest() refuses a host entry that is not a function name", async (t) => {
  const cases: [unknown, string][] = [
    ["2sum", '"2sum" is not a host function name: use letters, digits, _ and $, not starting'],
    ["put-key", '"put-key" is not a host function name'],
    ["", '"" is not a host function name'],
    ["a.b", '"a.b" is not a host function name'],
    ["sum ", '"sum " is not a host function name'],
    ["x".repeat(101), "is longer than 100 characters; give the host function a shorter name"],
    [42, 'must be a host function\'s name, e.g. "sum"; current value is 42'],
  ];
  for (const [name, message] of cases) {
    await t.step(JSON.stringify(name).slice(0, 20), () => {
      const issues = manifestIssues(["ok", name]);
      assert.equal(issues.length, 1, JSON.stringify(issues));
      assert.equal(issues[0].path, "host[1]");
      assert.ok(issues[0].message.includes(message), issues[0].message);
    });
  }
  await t.step("a long name is cut in the message", () => {
    const [issue] = manifestIssues(["y".repeat(5000)]);
    assert.ok(issue.message.length < 200, issue.message);
  });
});

Deno.test("parseManifest() refuses host when it is not a list, repeats a name or lists too many", async (t) => {
  await t.step("not a list", () => {
    for (const host of ["sum", true, null, { sum: true }]) {
      assert.deepEqual(manifestIssues(host), [{
        path: "host",
        message: `must be a list of host function names, e.g. ["sum"]; current value is ${
          JSON.stringify(host)
        }`,
      }]);
    }
  });
  await t.step("a repeated name, at each repeat", () => {
    assert.deepEqual(manifestIssues(["sum", "user", "sum"]), [{
      path: "host[2]",
      message: '"sum" is listed more than once; list each host function once',
    }]);
  });
  await t.step("more than 256", () => {
    const names = Array.from({ length: 257 }, (_, index) => `f${index}`);
    assert.deepEqual(manifestIssues(names), [{
      path: "host",
      message: "must list at most 256 host functions; current value lists 257",
    }]);
  });
});

Deno.test("resolvePolicy() allows any host function by default and reads allow.host like other kinds", () => {
  assert.equal(resolvePolicy({}, "/").host, true);
  assert.equal(resolvePolicy({ host: true }, "/").host, true);
  assert.deepEqual(resolvePolicy({ host: false }, "/").host, []);
  assert.deepEqual(resolvePolicy({ host: ["sum"] }, "/").host, ["sum"]);
  assert.throws(
    () => resolvePolicy({ host: "sum" } as unknown as HostPolicy, "/"),
    /^TypeError: Cannot create host: allow\.host must be true, false or a list of non-empty strings; current value is "sum"$/,
  );
});

Deno.test("resolveGrant() grants the manifest's host functions the policy allows", () => {
  assert.deepEqual(grantFor(["sum", "user"]).host, ["sum", "user"]);
  assert.deepEqual(grantFor(["sum"], { host: ["sum", "user"] }).host, ["sum"]);
  assert.deepEqual(grantFor([]).host, []);
});

Deno.test("resolveGrant() refuses a host function the policy does not allow, naming it", () => {
  assert.throws(() => grantFor(["sum", "user", "drop"], { host: ["sum"] }), (error: unknown) => {
    assert.ok(error instanceof PermissionDeniedError);
    assert.deepEqual(error.denied, [
      { kind: "host", value: "user", allow: "user" },
      { kind: "host", value: "drop", allow: "drop" },
    ]);
    assert.match(error.message, /host "user", host "drop"/);
    assert.match(error.message, /createHost\(\{ allow: \{ host: \["user","drop"\] \} \}\)/);
    return true;
  });
  assert.throws(() => grantFor(["sum"], { host: false }), /host "sum"/);
});

Deno.test("processArgs() makes no Deno flag of the host functions of a grant", () => {
  const grant = grantFor(["sum"]);
  const manifest = parseManifest({ name: "p", version: "1.0.0", host: ["sum"] });
  const args = processArgs({
    plugin: "p",
    dir: DIR,
    entry: `file://${DIR}/mod.ts`,
    manifest,
    grant,
    maxMessageBytes: 1024,
  });
  const flags = args.filter((arg) => /^--(allow|deny)-/.test(arg));
  assert.equal(flags.length, 8, flags.join(" "));
  assert.equal(
    flags.filter((arg) => /^--(allow|deny)-host|sum/.test(arg)).length,
    0,
    flags.join(" "),
  );
});

const SUM_PLUGIN = { name: "summer", host: ["sum"] };

async function loadIn(isolation: IsolationName): Promise<void> {
  await using plugin = await tempPlugin(SUM_PLUGIN);
  await using host = createHost({ isolation });
  const p = await host.load(plugin.dir, { provide: { sum: (a: number, b: number) => a + b } });
  assert.deepEqual(p.permissions.host, ["sum"]);
  assert.equal(p.permissions.read.length, 1);
}

Deno.test("a plugin listing host functions loads in every tier, its grant showing them", async (t) => {
  for (const isolation of ["inline", "worker", "process"] as const) {
    await t.step(isolation, () => loadIn(isolation));
  }
});

Deno.test("the inline tier still refuses Deno permissions beside host functions, naming only those", async () => {
  await using plugin = await tempPlugin({ ...SUM_PLUGIN, permissions: { env: ["HOME"] } });
  await using host = createHost({ isolation: "inline", allow: { env: true } });
  await assert.rejects(
    host.load(plugin.dir, { provide: { sum: (a: number, b: number) => a + b } }),
    (error: unknown) => {
      assert.ok(error instanceof PluginLoadError);
      assert.match(error.message, /cannot enforce its grant \(permissions\.env \["HOME"\]\)/);
      assert.doesNotMatch(error.message, /permissions\.host|"sum"/);
      return true;
    },
  );
});

Deno.test("checkProvided() passes when every listed function is provided", () => {
  checkProvided("p", [], undefined);
  checkProvided("p", ["sum"], { sum: () => 1, extra: 42 });
});

Deno.test("checkProvided() names every listed function not provided, and how to provide it", () => {
  assert.throws(() => checkProvided("counter", ["sum", "user"], undefined), (error: unknown) => {
    assert.ok(error instanceof PluginLoadError);
    assert.equal(error.plugin, "counter");
    assert.equal(
      error.message,
      'Cannot load plugin "counter": its manifest lists host functions the load does not provide: ' +
        '"sum", "user"; provide them with host.load(dir, { provide: { sum: …, user: … } }), ' +
        'or remove them from "host" in its plugin.json',
    );
    return true;
  });
  assert.throws(
    () => checkProvided("counter", ["sum", "user"], { sum: () => 1 }),
    /does not provide: "user"; provide them with host\.load\(dir, \{ provide: \{ user: … \} \}\)/,
  );
  // An inherited property is not provided: only the object's own functions are.
  assert.throws(() => checkProvided("p", ["toString"], {}), /does not provide: "toString"/);
});

Deno.test("checkProvided() names a listed function provided as something else", () => {
  assert.throws(
    () => checkProvided("p", ["sum", "user", "get"], { sum: 42, user: { f: 1 } }),
    (error: unknown) => {
      assert.ok(error instanceof PluginLoadError);
      assert.match(error.message, /does not provide: "get"; /);
      assert.match(error.message, /provide\.sum must be a function; current value is 42/);
      assert.match(error.message, /provide\.user must be a function; current value is \{"f":1\}/);
      return true;
    },
  );
  assert.throws(
    () => checkProvided("p", ["sum"], [] as unknown as Record<string, unknown>),
    /^TypeError: Cannot load plugin "p": provide must be an object of functions by name/,
  );
});

Deno.test("providedFunctions() holds only the functions both listed and provided", async () => {
  const target = {
    base: 10,
    add(this: { base: number }, n: unknown) {
      return this.base + Number(n);
    },
    sum: (a: unknown, b: unknown) => Number(a) + Number(b),
    unlisted: () => "no",
    notFunction: 7,
  };
  const callable = providedFunctions(["sum", "add", "notFunction", "missing"], target);
  assert.deepEqual([...callable.keys()], ["sum", "add"]);
  assert.equal(await callable.get("sum")?.(1, 2), 3);
  assert.equal(callable.get("add")?.(5), 15, "called with provide as this");
  assert.equal(providedFunctions(["sum"], undefined).size, 0);
  assert.equal(providedFunctions(["toString"], {}).size, 0);
});
