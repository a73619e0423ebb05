/**
 * Tests of `plugin.json` parsing: parseManifest, tryParseManifest,
 * manifestSchema, manifestJsonSchema, and host.load() on bad manifests.
 */
import {
  createHost,
  ManifestError,
  manifestJsonSchema,
  manifestSchema,
  parseManifest,
  PluginError,
  tryParseManifest,
} from "@sandplug/host";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempPlugin } from "./_helpers.ts";

const FILE = "plugins/x/plugin.json";
const BASE = { name: "x", version: "1.0.0" };

/** Runs parseManifest() on `input`, and returns the ManifestError it must throw. */
function refusal(input: unknown, file = FILE): ManifestError {
  try {
    parseManifest(input, { file });
  } catch (error) {
    assert.ok(error instanceof ManifestError, `expected a ManifestError, got ${error}`);
    return error;
  }
  assert.fail(`parseManifest() accepted ${JSON.stringify(input)}`);
}

/** A malformed manifest with the one issue it must be refused with. */
interface BadCase {
  name: string;
  input: unknown;
  path: string;
  message: RegExp;
}

/** Checks that each case is refused with exactly one issue, at `path`, shown in the message. */
async function refuseEach(t: Deno.TestContext, cases: readonly BadCase[]): Promise<void> {
  for (const { name, input, path, message } of cases) {
    await t.step(name, () => {
      const error = refusal(input);
      assert.equal(error.name, "ManifestError");
      assert.equal(error.code, "MANIFEST_INVALID");
      assert.equal(error.file, FILE);
      assert.equal(error.issues.length, 1, JSON.stringify(error.issues));
      const [issue] = error.issues;
      assert.equal(issue.path, path);
      assert.match(issue.message, message);
      assert.equal(
        error.message,
        `Invalid plugin manifest: ${FILE}: ${path ? `${path}: ` : ""}${issue.message}`,
      );
    });
  }
}

function withPermissions(permissions: Record<string, unknown>): Record<string, unknown> {
  return { ...BASE, permissions };
}

Deno.test("parseManifest() accepts a minimal manifest and fills in the defaults", () => {
  const manifest = parseManifest({ name: "greeter", version: "1.2.3" });
  assert.deepEqual(manifest, {
    name: "greeter",
    version: "1.2.3",
    entry: "mod.ts",
    implements: {},
    imports: [],
    host: [],
    permissions: {},
    limits: {},
  });
});

Deno.test("parseManifest() accepts JSON text as well as a parsed value", () => {
  const text = JSON.stringify({
    name: "reader",
    version: "2.0.0-beta.1",
    entry: "./src/mod.ts",
    description: "Reads things",
    implements: { greeter: "1.1.0" },
    permissions: {
      read: ["./data", "/srv/shared"],
      write: false,
      net: ["api.example.com:443", "127.0.0.1", "[::1]:8080"],
      env: ["HOME", "APP_*"],
      run: ["git"],
      ffi: ["./lib/native.so"],
      sys: ["hostname", "cpus"],
      import: ["esm.sh"],
    },
    limits: { callTimeoutMs: 500, loadTimeoutMs: 2000, memoryMb: 64 },
  });
  const manifest = parseManifest(text);
  assert.deepEqual(manifest, parseManifest(JSON.parse(text)));
  assert.equal(manifest.entry, "./src/mod.ts");
  assert.deepEqual(manifest.implements, { greeter: "1.1.0" });
  assert.equal(manifest.permissions.write, false);
  assert.deepEqual(manifest.permissions.net, ["api.example.com:443", "127.0.0.1", "[::1]:8080"]);
  assert.deepEqual(manifest.permissions.sys, ["hostname", "cpus"]);
  assert.deepEqual(manifest.limits, { callTimeoutMs: 500, loadTimeoutMs: 2000, memoryMb: 64 });
});

Deno.test("parseManifest() allows $schema so that editors can complete the file", () => {
  const manifest = parseManifest({ ...BASE, $schema: "../../plugin.schema.json" });
  assert.equal(manifest.$schema, "../../plugin.schema.json");
  assert.equal(manifest.name, "x");
});

Deno.test("parseManifest() rejects input that is not a JSON object", async (t) => {
  await refuseEach(t, [
    {
      name: "text that is not JSON",
      input: "{nope",
      path: "",
      message: /^is not valid JSON: /,
    },
    {
      name: "a JSON array",
      input: "[]",
      path: "",
      message: /^must be a JSON object; current value is an array$/,
    },
    {
      name: "JSON null",
      input: "null",
      path: "",
      message: /^must be a JSON object; current value is null$/,
    },
    {
      name: "a JSON string",
      input: '"greeter"',
      path: "",
      message: /^must be a JSON object; current value is string$/,
    },
    {
      name: "a number passed as a value",
      input: 42,
      path: "",
      message: /^must be a JSON object; current value is number$/,
    },
  ]);
});

Deno.test("parseManifest() keeps the JSON syntax error as the cause", () => {
  const error = refusal("{nope");
  assert.ok(error.cause instanceof SyntaxError);
  assert.equal(error.plugin, undefined);
});

Deno.test("parseManifest() rejects a missing or malformed name or version", async (t) => {
  await refuseEach(t, [
    { name: "a missing name", input: { version: "1.0.0" }, path: "name", message: /^is required$/ },
    { name: "a missing version", input: { name: "x" }, path: "version", message: /^is required$/ },
    {
      name: "a name with uppercase letters",
      input: { ...BASE, name: "Greeter" },
      path: "name",
      message:
        /^must start with a lowercase letter and hold only lowercase letters, digits and "-"; current value is "Greeter"$/,
    },
    {
      name: "a name starting with a digit",
      input: { ...BASE, name: "1greeter" },
      path: "name",
      message: /must start with a lowercase letter.*; current value is "1greeter"$/,
    },
    {
      name: "a name with spaces",
      input: { ...BASE, name: "my plugin" },
      path: "name",
      message: /only lowercase letters, digits and "-"; current value is "my plugin"$/,
    },
    {
      name: "a version that is not semver (two parts)",
      input: { ...BASE, version: "1.0" },
      path: "version",
      message: /^must be a semantic version such as "1\.0\.0"; current value is "1\.0"$/,
    },
    {
      name: "a version that is a word",
      input: { ...BASE, version: "latest" },
      path: "version",
      message: /^must be a semantic version such as "1\.0\.0"; current value is "latest"$/,
    },
    {
      name: "a version that is a range",
      input: { ...BASE, version: "^1.0.0" },
      path: "version",
      message: /current value is "\^1\.0\.0"$/,
    },
  ]);
});

Deno.test("parseManifest() rejects unknown fields at every level", async (t) => {
  const unknown = /^unknown field; remove it or check its spelling$/;
  await refuseEach(t, [
    {
      name: "a top-level field",
      input: { ...BASE, color: "red" },
      path: "color",
      message: unknown,
    },
    {
      name: "a misspelt top-level field",
      input: { ...BASE, permission: {} },
      path: "permission",
      message: unknown,
    },
    {
      name: "a field inside permissions",
      input: withPermissions({ network: ["example.com"] }),
      path: "permissions.network",
      message: unknown,
    },
    {
      name: "a field inside limits",
      input: { ...BASE, limits: { cpuPercent: 50 } },
      path: "limits.cpuPercent",
      message: unknown,
    },
  ]);
});

Deno.test("parseManifest() rejects permission kinds that are not false or a list", async (t) => {
  await refuseEach(t, [
    {
      name: "net: true (grant everything)",
      input: withPermissions({ net: true }),
      path: "permissions.net",
      message:
        /^true would grant everything and is not allowed; list what the plugin needs, e\.g\. \["api\.example\.com:443"\]$/,
    },
    {
      name: "read: true (grant everything)",
      input: withPermissions({ read: true }),
      path: "permissions.read",
      message: /true would grant everything and is not allowed; list .* e\.g\. \["\.\/data"\]/,
    },
    {
      name: "a single string instead of a list",
      input: withPermissions({ read: "./data" }),
      path: "permissions.read",
      message: /^must be false or a list, e\.g\. \["\.\/data"\]; current value is "\.\/data"$/,
    },
    {
      name: "an object instead of a list",
      input: withPermissions({ env: { HOME: true } }),
      path: "permissions.env",
      message: /^must be false or a list, e\.g\. \["HOME"\]; current value is \{"HOME":true\}$/,
    },
  ]);
});

Deno.test("parseManifest() rejects a read path that leaves the plugin folder", () => {
  const error = refusal(withPermissions({ read: ["./data", "../.."] }));
  assert.equal(error.issues.length, 1);
  assert.equal(error.issues[0].path, "permissions.read[1]");
  assert.match(error.message, /"\.\.\/\.\." leaves the plugin folder/);
  assert.match(error.message, /^Invalid plugin manifest: plugins\/x\/plugin\.json: /);
  assert.match(error.message, /write a path inside it, or an absolute path that the host policy/);
});

Deno.test("parseManifest() rejects paths that leave the plugin folder or are URLs", async (t) => {
  await refuseEach(t, [
    {
      name: 'read "../.."',
      input: withPermissions({ read: ["../.."] }),
      path: "permissions.read[0]",
      message: /^"\.\.\/\.\." leaves the plugin folder; write a path inside it/,
    },
    {
      name: 'write "sub/../../x" (leaves after normalising)',
      input: withPermissions({ write: ["./cache", "sub/../../x"] }),
      path: "permissions.write[1]",
      message: /^"sub\/\.\.\/\.\.\/x" leaves the plugin folder/,
    },
    {
      name: 'ffi "../lib.so"',
      input: withPermissions({ ffi: ["../lib.so"] }),
      path: "permissions.ffi[0]",
      message: /^"\.\.\/lib\.so" leaves the plugin folder/,
    },
    {
      name: 'entry "../other/mod.ts"',
      input: { ...BASE, entry: "../other/mod.ts" },
      path: "entry",
      message: /^"\.\.\/other\/mod\.ts" leaves the plugin folder/,
    },
    {
      name: "entry as an https URL",
      input: { ...BASE, entry: "https://example.com/mod.ts" },
      path: "entry",
      message:
        /^"https:\/\/example\.com\/mod\.ts" is a URL; write a file path relative to the plugin folder$/,
    },
    {
      name: "read as a file: URL",
      input: withPermissions({ read: ["file:///etc/passwd"] }),
      path: "permissions.read[0]",
      message: /^"file:\/\/\/etc\/passwd" is a URL/,
    },
    {
      name: "an empty read path",
      input: withPermissions({ read: [""] }),
      path: "permissions.read[0]",
      message: /^must not be empty$/,
    },
  ]);
});

Deno.test("parseManifest() accepts paths that stay inside the folder, and absolute paths", () => {
  const manifest = parseManifest(withPermissions({
    read: [".", "./data", "sub/../data", "..data", "/srv/shared"],
    write: ["./cache"],
  }));
  assert.deepEqual(manifest.permissions.read, [
    ".",
    "./data",
    "sub/../data",
    "..data",
    "/srv/shared",
  ]);
  assert.deepEqual(manifest.permissions.write, ["./cache"]);
});

Deno.test("parseManifest() rejects malformed net, env and run items", async (t) => {
  await refuseEach(t, [
    {
      name: "a net item with a scheme",
      input: withPermissions({ net: ["https://example.com"] }),
      path: "permissions.net[0]",
      message: /^"https:\/\/example\.com" is not a host: write "hostname" or "hostname:port"$/,
    },
    {
      name: "a net item with a space",
      input: withPermissions({ net: ["example.com", "bad host"] }),
      path: "permissions.net[1]",
      message: /^"bad host" is not a host/,
    },
    {
      name: "a net item with a port above 65535",
      input: withPermissions({ net: ["example.com:65536"] }),
      path: "permissions.net[0]",
      message: /^"example\.com:65536" has a port above 65535$/,
    },
    {
      name: "an import item with a path",
      input: withPermissions({ import: ["esm.sh/react"] }),
      path: "permissions.import[0]",
      message: /^"esm\.sh\/react" is not a host/,
    },
    {
      name: "an env name starting with a digit",
      input: withPermissions({ env: ["1PATH"] }),
      path: "permissions.env[0]",
      message:
        /^"1PATH" is not an environment variable name: use letters, digits and _ \(a trailing \* matches a prefix, e\.g\. "APP_\*"\)$/,
    },
    {
      name: "an env name with a dash",
      input: withPermissions({ env: ["HOME", "MY-VAR"] }),
      path: "permissions.env[1]",
      message: /^"MY-VAR" is not an environment variable name/,
    },
    {
      name: "an empty run item",
      input: withPermissions({ run: [""] }),
      path: "permissions.run[0]",
      message: /^must not be empty$/,
    },
  ]);
});

Deno.test("parseManifest() accepts a port of exactly 65535", () => {
  const manifest = parseManifest(withPermissions({ net: ["example.com:65535"] }));
  assert.deepEqual(manifest.permissions.net, ["example.com:65535"]);
});

Deno.test("parseManifest() refuses an unknown sys item", () => {
  const error = refusal(withPermissions({ sys: ["hostname", "bogus"] }));
  assert.equal(error.issues.length, 1);
  assert.match(error.issues[0].path, /^permissions\.sys/);
  assert.match(error.message, /"bogus"/);
});

Deno.test({
  name: "parseManifest() names the unknown sys item and lists the known ones",
  fn() {
    const error = refusal(withPermissions({ sys: ["hostname", "bogus"] }));
    assert.equal(error.issues.length, 1);
    assert.equal(error.issues[0].path, "permissions.sys[1]");
    assert.match(
      error.issues[0].message,
      /^"bogus" is not a sys permission; use one of: hostname, osRelease, /,
    );
  },
});

Deno.test({
  name: "parseManifest() reports a non-string permission item at its index",
  fn() {
    const error = refusal(withPermissions({ read: ["./data", 1] }));
    assert.equal(error.issues.length, 1);
    assert.equal(error.issues[0].path, "permissions.read[1]");
    assert.doesNotMatch(error.issues[0].message, /must be false or a list/);
  },
});

Deno.test("parseManifest() rejects an implements entry that is not a semantic version", async (t) => {
  await refuseEach(t, [
    {
      name: "a range instead of a version",
      input: { ...BASE, implements: { greeter: "^1.0.0" } },
      path: "implements.greeter",
      message:
        /^must be the semantic version of the contract the plugin was built against, such as "1\.0\.0"; current value is "\^1\.0\.0"$/,
    },
    {
      name: "a two-part version",
      input: { ...BASE, implements: { greeter: "1.0.0", store: "2.1" } },
      path: "implements.store",
      message: /current value is "2\.1"$/,
    },
  ]);
});

Deno.test({
  name: "parseManifest() rejects an empty contract name in implements",
  fn() {
    const error = refusal({ ...BASE, implements: { "": "1.0.0" } });
    assert.equal(error.issues.length, 1);
    assert.match(error.issues[0].path, /^implements/);
    assert.doesNotMatch(error.issues[0].path, /\.$/);
    assert.match(error.issues[0].message, /a contract name must not be empty/);
  },
});

Deno.test("parseManifest() rejects limits that are not positive whole milliseconds", async (t) => {
  await refuseEach(t, [
    {
      name: "a negative callTimeoutMs",
      input: { ...BASE, limits: { callTimeoutMs: -5 } },
      path: "limits.callTimeoutMs",
      message: /^must be greater than 0$/,
    },
    {
      name: "a zero callTimeoutMs",
      input: { ...BASE, limits: { callTimeoutMs: 0 } },
      path: "limits.callTimeoutMs",
      message: /^must be greater than 0$/,
    },
    {
      name: "a loadTimeoutMs above 2^31-1",
      input: { ...BASE, limits: { loadTimeoutMs: 2_147_483_648 } },
      path: "limits.loadTimeoutMs",
      message: /^must be at most 2147483647/,
    },
    {
      name: "a negative memoryMb",
      input: { ...BASE, limits: { memoryMb: -1 } },
      path: "limits.memoryMb",
      message: /^must be greater than 0$/,
    },
  ]);
});

Deno.test({
  name: "parseManifest() rejects a callTimeoutMs that is not a whole number",
  fn() {
    const error = refusal({ ...BASE, limits: { callTimeoutMs: 1.5 } });
    assert.equal(error.issues.length, 1);
    assert.equal(error.issues[0].path, "limits.callTimeoutMs");
    assert.match(error.issues[0].message, /^must be a whole number of milliseconds$/);
  },
});

Deno.test({
  name: "parseManifest() says a field of the wrong type has the wrong type, not that it is missing",
  fn() {
    for (
      const [input, path] of [
        [{ ...BASE, name: 5 }, "name"],
        [{ ...BASE, limits: { callTimeoutMs: "500" } }, "limits.callTimeoutMs"],
      ] as const
    ) {
      const error = refusal(input);
      assert.equal(error.issues.length, 1);
      assert.equal(error.issues[0].path, path);
      assert.notEqual(error.issues[0].message, "is required");
      assert.match(error.issues[0].message, /string|number/);
    }
  },
});

Deno.test("parseManifest() reports every problem at once, each as file: path: message", () => {
  const error = refusal({
    name: "Bad Name",
    version: "one",
    color: "red",
    permissions: { read: ["../secrets"], net: true, env: ["OK", "NOT-OK"] },
    limits: { callTimeoutMs: -1 },
  });
  assert.deepEqual(error.issues.map((issue) => issue.path).sort(), [
    "color",
    "limits.callTimeoutMs",
    "name",
    "permissions.env[1]",
    "permissions.net",
    "permissions.read[0]",
    "version",
  ]);
  const lines = error.message.split("\n");
  assert.equal(lines[0], "Invalid plugin manifest (7 problems):");
  assert.equal(lines.length, 8);
  for (const issue of error.issues) {
    assert.ok(
      lines.includes(`  ${FILE}: ${issue.path}: ${issue.message}`),
      `missing line for ${issue.path} in:\n${error.message}`,
    );
  }
  assert.match(error.message, /name: must start with a lowercase letter/);
  assert.match(error.message, /version: must be a semantic version/);
  assert.match(error.message, /color: unknown field/);
  assert.match(error.message, /permissions\.read\[0\]: "\.\.\/secrets" leaves the plugin folder/);
  assert.match(error.message, /permissions\.net: true would grant everything/);
  assert.match(error.message, /permissions\.env\[1\]: "NOT-OK" is not an environment variable/);
  assert.match(error.message, /limits\.callTimeoutMs: must be greater than 0/);
  assert.equal(error.plugin, "Bad Name");
});

Deno.test("parseManifest() names the manifest file in the message, plugin.json by default", () => {
  const named = refusal({ ...BASE, color: "red" }, "plugins/x/plugin.json");
  assert.equal(named.file, "plugins/x/plugin.json");
  assert.equal(
    named.message,
    "Invalid plugin manifest: plugins/x/plugin.json: color: unknown field; remove it or check its spelling",
  );
  try {
    parseManifest({ ...BASE, color: "red" });
    assert.fail("expected a ManifestError");
  } catch (error) {
    assert.ok(error instanceof ManifestError);
    assert.equal(error.file, "plugin.json");
    assert.match(error.message, /^Invalid plugin manifest: plugin\.json: color: /);
  }
});

Deno.test("ManifestError is a PluginError carrying the plugin's name and the zod cause", () => {
  const error = refusal({ name: "greeter", version: "x" });
  assert.ok(error instanceof PluginError);
  assert.ok(error instanceof Error);
  assert.equal(error.plugin, "greeter");
  assert.ok(error.cause instanceof Error);
  assert.equal((error.cause as Error).name, "ZodError");
});

Deno.test("tryParseManifest() returns the problem instead of throwing", () => {
  const bad = tryParseManifest(withPermissions({ read: ["../.."] }), { file: FILE });
  assert.equal(bad.success, false);
  if (bad.success) return;
  assert.ok(bad.error instanceof ManifestError);
  assert.deepEqual(bad.error.issues, refusal(withPermissions({ read: ["../.."] })).issues);
  assert.equal(bad.error.issues[0].path, "permissions.read[0]");

  const notJson = tryParseManifest("not json");
  assert.equal(notJson.success, false);
  if (!notJson.success) assert.equal(notJson.error.file, "plugin.json");

  const good = tryParseManifest(JSON.stringify(BASE));
  assert.equal(good.success, true);
  if (good.success) assert.deepEqual(good.manifest, parseManifest(BASE));
});

Deno.test("manifestSchema validates with zod directly and fills in defaults", () => {
  const ok = manifestSchema.safeParse({ name: "greeter", version: "1.0.0" });
  assert.ok(ok.success);
  assert.equal(ok.data.entry, "mod.ts");
  assert.deepEqual(ok.data.permissions, {});
  const bad = manifestSchema.safeParse({ name: "greeter", version: "1.0.0", extra: 1 });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error?.issues.map((issue) => issue.path), [[]]);
  assert.match(bad.error?.issues[0].message ?? "", /extra/);
});

Deno.test("manifestJsonSchema() requires name and version and forbids unknown fields", () => {
  const schema = manifestJsonSchema();
  assert.deepEqual(schema.required, ["name", "version"]);
  assert.equal(schema.additionalProperties, false);
  assert.equal(schema.type, "object");
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(properties).sort(), [
    "$schema",
    "description",
    "entry",
    "extends",
    "host",
    "implements",
    "imports",
    "isolation",
    "limits",
    "name",
    "permissions",
    "version",
  ]);
  assert.equal(properties.permissions.additionalProperties, false);
  assert.equal(properties.limits.additionalProperties, false);
  assert.equal(properties.entry.default, "mod.ts");
});

Deno.test("plugin.schema.json is the JSON Schema that manifestJsonSchema() generates", async () => {
  const shipped = await Deno.readTextFile(new URL("../plugin.schema.json", import.meta.url));
  assert.equal(shipped, JSON.stringify(manifestJsonSchema(), null, 2) + "\n");
});

Deno.test("host.load() of a folder without plugin.json throws a ManifestError naming plugin.json", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sandplug-test-" });
  try {
    await using host = createHost();
    const error = await host.load(dir).then(
      () => assert.fail("expected a ManifestError"),
      (error: unknown) => error,
    );
    assert.ok(error instanceof ManifestError);
    assert.match(error.file, /plugin\.json$/);
    assert.equal(error.issues.length, 1);
    assert.equal(error.issues[0].path, "");
    assert.equal(
      error.issues[0].message,
      "does not exist; every plugin folder needs a plugin.json",
    );
    assert.match(error.message, /plugin\.json: does not exist; every plugin folder needs/);
    assert.ok(error.cause instanceof Deno.errors.NotFound);
    assert.equal(host.plugins.length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("host.load() of a path that does not exist throws a ManifestError", async () => {
  await using plugin = await tempPlugin({});
  await using host = createHost();
  const missing = join(plugin.parent, "no-such-plugin");
  await assert.rejects(host.load(missing), (error: unknown) => {
    assert.ok(error instanceof ManifestError);
    assert.match(error.file, /no-such-plugin$/);
    assert.equal(error.issues[0].path, "");
    assert.equal(
      error.issues[0].message,
      "does not exist; pass the plugin's folder or its plugin.json",
    );
    assert.match(error.message, /no-such-plugin: does not exist/);
    return true;
  });
});

Deno.test("host.load() accepts the path of plugin.json itself", async () => {
  await using plugin = await tempPlugin({ name: "direct" });
  await using host = createHost();
  const loaded = await host.load(join(plugin.dir, "plugin.json"));
  assert.equal(loaded.name, "direct");
  assert.equal(loaded.dir, await Deno.realPath(plugin.dir));
  assert.equal(host.plugins.length, 1);
});

Deno.test("host.load() refuses a plugin whose entry file is missing, at path entry", async () => {
  await using plugin = await tempPlugin({ entry: "src/missing.ts" });
  await using host = createHost();
  await assert.rejects(host.load(plugin.dir), (error: unknown) => {
    assert.ok(error instanceof ManifestError);
    assert.equal(error.plugin, "test-plugin");
    assert.equal(error.issues.length, 1);
    assert.equal(error.issues[0].path, "entry");
    assert.match(error.issues[0].message, /^"src\/missing\.ts" is not a file in /);
    assert.match(error.message, /plugin\.json: entry: "src\/missing\.ts" is not a file/);
    assert.match(error.message, /point entry at the plugin's module$/);
    return true;
  });
  assert.equal(host.plugins.length, 0);
});

Deno.test("host.load() refuses an entry that is a folder, at path entry", async () => {
  await using plugin = await tempPlugin({ entry: "lib" }, undefined, { "lib/mod.ts": "" });
  await using host = createHost();
  await assert.rejects(host.load(plugin.dir), (error: unknown) => {
    assert.ok(error instanceof ManifestError);
    assert.equal(error.issues[0].path, "entry");
    assert.match(error.issues[0].message, /^"lib" is not a file in /);
    return true;
  });
});

Deno.test("host.load() reports a manifest that breaks the schema with its file and fields", async (t) => {
  const cases: { name: string; manifest: Record<string, unknown> | string; paths: string[] }[] = [
    { name: "not JSON", manifest: "{ name: greeter }", paths: [""] },
    { name: "a JSON array", manifest: "[]", paths: [""] },
    { name: "a bad name", manifest: { name: "Test Plugin" }, paths: ["name"] },
    {
      name: "a read path leaving the folder",
      manifest: { permissions: { read: ["../.."] } },
      paths: ["permissions.read[0]"],
    },
    {
      name: "net: true and an unknown field",
      manifest: { permissions: { net: true }, colour: "red" },
      paths: ["permissions.net", "colour"],
    },
  ];
  for (const { name, manifest, paths } of cases) {
    await t.step(name, async () => {
      await using plugin = await tempPlugin(manifest);
      await using host = createHost();
      await assert.rejects(host.load(plugin.dir), (error: unknown) => {
        assert.ok(error instanceof ManifestError);
        assert.match(error.file, /plugin\/plugin\.json$/);
        assert.deepEqual(error.issues.map((issue) => issue.path), paths);
        for (const issue of error.issues) {
          assert.ok(
            error.message.includes(`${error.file}: ${issue.path ? `${issue.path}: ` : ""}`),
            error.message,
          );
        }
        return true;
      });
      assert.equal(host.plugins.length, 0);
    });
  }
});
