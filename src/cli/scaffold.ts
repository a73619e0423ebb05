/**
 * The files `sandplug new` writes: a `plugin.json` whose `$schema` is the
 * published schema (so editors complete it anywhere), a `mod.ts` using the
 * SDK, a test that loads it in every tier with `@sandplug/host/testing`, and,
 * where no enclosing `deno.json` maps the package, a `deno.json` that does.
 *
 * @module
 */
import { SDK_PACKAGE_VERSION } from "../load/sdk_specifier.ts";

/** The published JSON Schema of `plugin.json`, at this package's version: it never changes. */
export const SCHEMA_URL = `https://jsr.io/@sandplug/host/${SDK_PACKAGE_VERSION}/plugin.schema.json`;

/** How a user's `deno.json` maps the package: by JSR, at this minor version and up. */
export const PACKAGE_SPECIFIER = `jsr:@sandplug/host@^${SDK_PACKAGE_VERSION}`;

/** What the scaffold is made from. */
export interface ScaffoldOptions {
  readonly name: string;
  /** The least isolation the plugin asks for, written to plugin.json. */
  readonly isolation?: "worker" | "process";
}

/** The manifest, as an object (checked with the manifest schema before it is written). */
export function manifestOf(options: ScaffoldOptions): Record<string, unknown> {
  return {
    $schema: SCHEMA_URL,
    name: options.name,
    version: "0.1.0",
    description: `The ${options.name} plugin`,
    entry: "./mod.ts",
    ...(options.isolation === undefined ? {} : { isolation: options.isolation }),
    permissions: {},
  };
}

/** `mod.ts`: a function and a variable, the two kinds of export a host uses. */
export function moduleOf(options: ScaffoldOptions): string {
  return `// The ${options.name} plugin. A host loads this folder with host.load(dir) and calls
// what this module exports; plugin.json lists what it may do beyond reading its own folder.
import { variable } from "@sandplug/host/plugin";

/** How many greetings were made so far: a variable the host can read and set. */
export const greetings = variable(0);

/** The greeting for \`name\`. */
export function greet(name: string): string {
  greetings.value += 1;
  return \`Hello, \${name}!\`;
}
`;
}

/** `mod_test.ts`: the plugin loaded in every tier, each call checked against plugin.json. */
export function testOf(options: ScaffoldOptions): string {
  return `import assert from "node:assert/strict";
import type { Variable } from "@sandplug/host";
import { assertWithinManifest, testPlugin } from "@sandplug/host/testing";

// This folder: the plugin under test.
const dir = new URL("./", import.meta.url);

Deno.test("${options.name}: greet() greets by name within plugin.json, in every tier", (t) =>
  testPlugin(t, dir, async (plugin, tier) => {
    const greeting = await assertWithinManifest(plugin, () => plugin.call("greet", ["Ada"]));
    assert.equal(greeting, "Hello, Ada!", \`in the \${tier} tier\`);
    assert.equal(await plugin.lookup<Variable<number>>("greetings").get(), 1);
  }));
`;
}

/** `deno.json` for a plugin folder outside any project: the package, and the worker tier on. */
export function denoJsonOf(): string {
  return `${
    JSON.stringify(
      {
        imports: { "@sandplug/host": PACKAGE_SPECIFIER },
        // The test runs the plugin in the worker tier too, which needs per-worker permissions.
        unstable: ["worker-options"],
        tasks: { test: "deno test -A --no-prompt" },
      },
      null,
      2,
    )
  }\n`;
}

/** What an enclosing project's `deno.json` lacks for the scaffold's test to run, as notes. */
export function missingFromConfig(file: string, config: Record<string, unknown>): string[] {
  const notes: string[] = [];
  const imports = (config.imports ?? {}) as Record<string, unknown>;
  const host = imports["@sandplug/host"];
  if (typeof config.importMap === "string") return notes; // mapped elsewhere: cannot tell
  if (host === undefined && imports["@sandplug/host/"] === undefined) {
    notes.push(
      `${file} does not map @sandplug/host; add "@sandplug/host": "${PACKAGE_SPECIFIER}" to its imports`,
    );
  } else if (
    typeof host === "string" && !host.startsWith("jsr:") && imports["@sandplug/host/"] === undefined
  ) {
    // A JSR mapping covers the package's subpaths; a path to mod.ts covers only itself.
    for (const [sub, hint] of [["plugin", "src/runtime/sdk.ts"], ["testing", "testing.ts"]]) {
      if (imports[`@sandplug/host/${sub}`] === undefined) {
        notes.push(
          `${file} maps @sandplug/host to ${host} but not @sandplug/host/${sub}; ` +
            `add "@sandplug/host/${sub}" (the package's ${hint}) to its imports`,
        );
      }
    }
  }
  const unstable = Array.isArray(config.unstable) ? config.unstable : [];
  if (!unstable.includes("worker-options")) {
    notes.push(
      `${file} does not turn on Deno's worker-options feature, so the test's worker tier will fail; ` +
        `add "unstable": ["worker-options"] to it`,
    );
  }
  return notes;
}
