import assert from "node:assert/strict";
import { declaredCovers, parsePackage } from "../src/load/package_specifier.ts";
import {
  matchSdk,
  otherVersionReason,
  SDK_PACKAGE_VERSION,
  SDK_URL,
} from "../src/load/sdk_specifier.ts";
import { exactImports } from "../src/isolation/process/package_set.ts";

Deno.test("the SDK's version is the package's: a JSR range is checked against deno.json's", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.equal(SDK_PACKAGE_VERSION, config.version);
  assert.equal(SDK_URL, new URL("../src/runtime/sdk.ts", import.meta.url).href);
});

Deno.test("matchSdk() knows the SDK by every name it has, and nothing that only claims it", () => {
  for (
    const name of [
      "@sandplug/host/plugin",
      "jsr:@sandplug/host/plugin",
      "jsr:/@sandplug/host/plugin",
      "jsr:@sandplug/host@^0.1/plugin",
      "jsr:@sandplug/host@0.1.0/plugin",
      "jsr:@sandplug/host@~0.1.0/plugin",
      "jsr:@sandplug/host@0/plugin",
      "jsr:@sandplug/host@*/plugin",
      SDK_URL,
    ]
  ) assert.deepEqual(matchSdk(name), { kind: "sdk" }, name);
  assert.deepEqual(matchSdk("jsr:@sandplug/host@^0.2/plugin"), {
    kind: "other-version",
    range: "^0.2",
  });
  assert.deepEqual(matchSdk("jsr:@sandplug/host@not a range/plugin"), {
    kind: "other-version",
    range: "not a range",
  });
  for (
    const other of [
      "jsr:@sandplug/host", // the host's own API, not the SDK
      "jsr:@sandplug/host@^0.1",
      "jsr:@sandplug/host@^0.1/plugin/../mod.ts",
      "npm:@sandplug/host/plugin",
      "@sandplug/host/plugin.ts",
      "jsr:@sandplug/hostile/plugin",
      `${SDK_URL}?copy`,
      "./sdk.ts",
    ]
  ) assert.deepEqual(matchSdk(other), { kind: "not-sdk" }, other);
  assert.match(otherVersionReason("^0.2"), /"\^0\.2", but this host runs @sandplug\/host 0\.1\.0/);
  assert.match(otherVersionReason("^0.2"), /jsr:@sandplug\/host@\^0\.1\/plugin/);
});

Deno.test("parsePackage() takes npm, JSR and bare specifiers apart", () => {
  assert.deepEqual(parsePackage("npm:marked"), {
    name: "npm:marked",
    version: undefined,
    subpath: "",
  });
  assert.deepEqual(parsePackage("npm:@scope/pkg@^1.2/sub/a.js"), {
    name: "npm:@scope/pkg",
    version: "^1.2",
    subpath: "/sub/a.js",
  });
  assert.deepEqual(parsePackage("jsr:/@std/path@1"), {
    name: "jsr:@std/path",
    version: "1",
    subpath: "",
  });
  assert.deepEqual(parsePackage("lodash/chunk.js"), {
    name: "lodash",
    version: undefined,
    subpath: "/chunk.js",
  });
  assert.equal(parsePackage("npm:"), undefined);
  assert.equal(parsePackage("/abs/path.ts"), undefined);
});

Deno.test("declaredCovers(): the code may leave the version out, never write another one", () => {
  assert.ok(declaredCovers("npm:marked@15", "npm:marked"));
  assert.ok(declaredCovers("npm:marked@15", "npm:marked@15"));
  assert.ok(declaredCovers("npm:marked@15", "npm:marked/package.json"));
  assert.ok(declaredCovers("npm:marked", "npm:marked@14"));
  assert.ok(!declaredCovers("npm:marked@15", "npm:marked@14"));
  assert.ok(!declaredCovers("npm:marked@15", "npm:marked@15.0.12"));
  assert.ok(!declaredCovers("npm:marked", "npm:markedly"));
  assert.ok(!declaredCovers("npm:marked", "jsr:marked"));
  // An entry naming a subpath covers that subpath and what lies under it, no more.
  assert.ok(declaredCovers("npm:prettier/standalone", "npm:prettier/standalone"));
  assert.ok(declaredCovers("npm:prettier@3/plugins", "npm:prettier/plugins/markdown"));
  assert.ok(!declaredCovers("npm:prettier/standalone", "npm:prettier"));
  assert.ok(!declaredCovers("npm:prettier/plugins", "npm:prettier/pluginsx"));
});

Deno.test("exactImports() gives each declared package the versions its lock resolved", () => {
  const lock = {
    "npm:marked@15": "15.0.12",
    "npm:marked@*": "15.0.12",
    "npm:react-dom@18": "18.3.1_react@18.3.1",
    "npm:react@18": "18.3.1",
    "jsr:@std/path@1": "1.1.2",
  };
  assert.deepEqual(exactImports(["npm:marked@15", "npm:react-dom@18", "jsr:@std/path@1"], lock), [
    "jsr:@std/path@1.1.2",
    "npm:marked@15.0.12",
    "npm:react-dom@18.3.1",
  ]);
  assert.deepEqual(exactImports([], lock), []);
});
