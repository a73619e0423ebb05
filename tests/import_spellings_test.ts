/**
 * How a plugin's code may spell what it imports: a package it did not declare,
 * or at another version than declared, is refused at load with its file and
 * line; the plugin SDK by every name it goes by is the one instance the
 * runtime has, in every tier, and at a version this host does not have it is
 * refused. Real packages at run time: `packages_test.ts`.
 *
 * Every load here is refused, or imports no package, before the npm registry
 * would be needed.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHost, ImportDeniedError, type Variable } from "@sandplug/host";
import { tempPlugin } from "./_helpers.ts";

const TIERS = ["process", "worker"] as const;
const DECLARED = ["npm:marked@15", "npm:lodash@4", "npm:chalk@4", "npm:yaml@2"];
const POLICY = { imports: ["npm:marked", "npm:lodash", "npm:chalk", "npm:yaml"] };

Deno.test("host.load() refuses static imports of undeclared packages or other versions, naming file and line", async () => {
  await using fixture = await tempPlugin(
    { name: "static-imports", imports: DECLARED },
    [
      `import { marked } from "npm:marked@15";`,
      `import leftPad from "npm:left-pad";`,
      `import styles from "npm:ansi-styles";`,
      `export { more } from "./lib/more.ts";`,
      `export const render = (text) => marked.parse(leftPad(text, 3) + styles.red.open);`,
    ].join("\n"),
    {
      "lib/more.ts": [
        `import chunk from "npm:lodash@4/chunk.js";`,
        `export const more = async () => (await import("npm:marked@14")).marked;`,
        `import old from "npm:lodash@3/chunk.js";`,
        `export const both = [chunk, old];`,
      ].join("\n"),
    },
  );
  const undeclared = (name: string) =>
    `the package is not declared; add "imports": ["${name}"] to plugin.json and have the host allow it`;
  const otherVersion = (declared: string, name: string) =>
    `plugin.json declares "${declared}", and the code asks for another version or subpath; ` +
    `write "${name}" in the code, or declare what it asks for`;
  for (const tier of TIERS) {
    await using host = createHost({ isolation: tier, allow: POLICY });
    await assert.rejects(host.load(fixture.dir), (error: unknown) => {
      assert.ok(error instanceof ImportDeniedError, `${tier}: ${error}`);
      assert.deepEqual(error.imports, [
        { file: "mod.ts", line: 2, specifier: "npm:left-pad", reason: undeclared("npm:left-pad") },
        {
          file: "mod.ts",
          line: 3,
          specifier: "npm:ansi-styles",
          reason: undeclared("npm:ansi-styles"),
        },
        {
          file: "lib/more.ts",
          line: 2,
          specifier: "npm:marked@14",
          reason: otherVersion("npm:marked@15", "npm:marked"),
        },
        {
          file: "lib/more.ts",
          line: 3,
          specifier: "npm:lodash@3/chunk.js",
          reason: otherVersion("npm:lodash@4", "npm:lodash"),
        },
      ]);
      assert.match(error.message, /lib\/more\.ts:2 imports "npm:marked@14"/);
      return true;
    });
  }
});

/** The SDK module the runtimes load, by its file: URL, as a plugin may write it. */
const SDK_FILE_URL = new URL("../src/runtime/sdk.ts", import.meta.url).href;

const SDK_CODE = `import * as bare from "@sandplug/host/plugin";
import * as jsr from "jsr:@sandplug/host/plugin";
import * as ranged from "jsr:@sandplug/host@^0.1/plugin";
import * as byUrl from ${JSON.stringify(SDK_FILE_URL)};
import * as own from "./sdk.ts";

export const same = bare === jsr && jsr === ranged && ranged === byUrl;
export const ownIsSdk = own === bare || own.variable === bare.variable;
// Made through one spelling, a variable the host reads and writes.
export const counter = ranged.variable(1);
export const claimed = own.variable(1);
export const bump = () => ++counter.value;
export const bytes = () => {
  const view = new Uint8Array([1, 2, 3]);
  return byUrl.transfer(view, [view.buffer]);
};
`;

/** A file of the plugin that only claims to be the SDK. */
const OWN_SDK = "export const variable = (value) => ({ value });\n";

Deno.test("the plugin SDK by every name is one instance, in every tier", async (t) => {
  await using fixture = await tempPlugin({ name: "sdk-names" }, SDK_CODE, { "sdk.ts": OWN_SDK });
  for (const tier of [...TIERS, "inline"] as const) {
    await t.step(tier, async () => {
      await using host = createHost({ isolation: tier });
      const plugin = await host.load(fixture.dir);
      const value = (name: string) => plugin.lookup<Variable<unknown>>(name).get();
      assert.equal(await value("same"), true);
      assert.equal(await value("ownIsSdk"), false);
      const kinds = Object.fromEntries(plugin.symbols.map(({ name, kind }) => [name, kind]));
      assert.equal(kinds.counter, "variable");
      assert.equal(kinds.claimed, "value");
      const counter = plugin.lookup<Variable<number>>("counter");
      await counter.set(41);
      assert.equal(await plugin.call("bump"), 42);
      assert.equal(await counter.get(), 42);
      assert.deepEqual(await plugin.call("bytes"), new Uint8Array([1, 2, 3]));
    });
  }
});

Deno.test("host.load() refuses the SDK at a range this host's version does not satisfy", async () => {
  await using fixture = await tempPlugin(
    { name: "sdk-next" },
    `import { variable } from "jsr:@sandplug/host@^0.2/plugin";\nexport const v = variable(1);\n`,
  );
  for (const tier of [...TIERS, "inline"] as const) {
    await using host = createHost({ isolation: tier });
    await assert.rejects(host.load(fixture.dir), (error: unknown) => {
      assert.ok(error instanceof ImportDeniedError, `${tier}: ${error}`);
      assert.equal(error.imports.length, 1);
      assert.equal(error.imports[0].line, 1);
      assert.match(
        error.imports[0].reason,
        /the plugin SDK at "\^0\.2", but this host runs @sandplug\/host 0\.1\.0/,
      );
      return true;
    });
  }
});
