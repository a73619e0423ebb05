/**
 * The dependency rule between the layers of `src/`, read from the imports
 * themselves so that the folder picture in the README stays true.
 *
 * @module
 */
import assert from "node:assert/strict";
import { posix } from "node:path";
// The scanner that checks plugins' module graphs: it already skips comments (so JSDoc examples
// do not count), strings, templates and regexes, and gives lines.
import { findImports } from "../src/load/import_scanner.ts";

/** Where an import leads once resolved. */
type Target =
  | { kind: "file"; path: string } // repository-relative, e.g. "src/wire/protocol.ts"
  | { kind: "package" } // node: or npm:, directly or through the import map
  | { kind: "unknown" }; // anything else: a remote URL, an unmapped bare name

interface Rule {
  name: string;
  appliesTo(file: string): boolean;
  allows(target: Target): boolean;
}

/** One forbidden import: where it is and which rule it breaks. */
interface Violation {
  rule: string;
  file: string;
  line: number;
  specifier: string;
}

const under = (folder: string) => (path: string) => path.startsWith(folder);
const inRuntime = under("src/runtime/");
const inWire = under("src/wire/");
const inHost = under("src/host/");
const inIsolation = under("src/isolation/");
const inTesting = under("src/testing/");
// mod.ts re-exports host/: importing it (as "@sandplug/host") imports host/.
const reachesHost = (t: Target) => t.kind === "file" && (inHost(t.path) || t.path === "mod.ts");
const isFile = (t: Target, test: (path: string) => boolean) => t.kind === "file" && test(t.path);

/** The rules, as the STYLE.md layout states them. */
const RULES: Rule[] = [
  {
    name: "src/runtime/ imports only src/wire/ and src/runtime/",
    appliesTo: inRuntime,
    allows: (t) => t.kind === "package" || isFile(t, (p) => inWire(p) || inRuntime(p)),
  },
  {
    name: "src/isolation/ never imports src/host/",
    appliesTo: inIsolation,
    allows: (t) => !reachesHost(t),
  },
  {
    name: "src/host/ knows tiers only through src/isolation/types.ts",
    appliesTo: inHost,
    allows: (t) => !isFile(t, (p) => inIsolation(p) && p !== "src/isolation/types.ts"),
  },
  {
    name: "only src/create_host.ts and src/host/ itself import src/host/",
    appliesTo: (file) => file !== "src/create_host.ts" && !inHost(file) && !inTesting(file),
    allows: (t) => !reachesHost(t),
  },
  {
    // The test helpers for plugin authors use the package as a plugin author's test would.
    name: "src/testing/ imports the package only through mod.ts",
    appliesTo: inTesting,
    allows: (t) => t.kind === "package" || isFile(t, (p) => p === "mod.ts" || inTesting(p)),
  },
  {
    name: "src/wire/ imports only src/wire/",
    appliesTo: inWire,
    allows: (t) => t.kind === "package" || isFile(t, inWire),
  },
];

/**
 * Every module `source` names: its imports, and each `new URL("….ts",
 * import.meta.url)` (how the tiers name their entry modules). The latter are
 * found by rewriting `new URL(` into `import(` for the import scanner, which
 * skips comments, strings and regexes; line breaks are kept, so lines stay right.
 */
function modulesNamed(source: string): { specifier: string; line: number }[] {
  const imports = findImports(source);
  const seen = new Map<string, number>();
  for (const { specifier, line } of imports) {
    const key = `${line} ${specifier}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const urls = findImports(source.replace(/\bnew[ \t]+URL[ \t]*\(/g, "import(")).filter((found) => {
    const key = `${found.line} ${found.specifier}`;
    const left = seen.get(key) ?? 0;
    seen.set(key, left - 1);
    return left <= 0 && found.specifier.endsWith(".ts");
  });
  return [...imports, ...urls];
}

function isPackage(specifier: string): boolean {
  return specifier.startsWith("node:") || specifier.startsWith("npm:");
}

/** Resolves a specifier written in `file` (repository-relative) with the import map of deno.json. */
function resolveTarget(file: string, specifier: string, importMap: Record<string, string>): Target {
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    return { kind: "file", path: posix.normalize(posix.join(posix.dirname(file), specifier)) };
  }
  if (isPackage(specifier)) return { kind: "package" };
  const mapped = importMap[specifier];
  if (mapped === undefined) return { kind: "unknown" };
  if (isPackage(mapped)) return { kind: "package" };
  return mapped.startsWith("./") ? resolveTarget("deno.json", mapped, {}) : { kind: "unknown" };
}

/**
 * Checks every import of `files` (repository-relative path → source) against
 * every rule that applies to the importing file.
 */
function checkLayers(files: Map<string, string>, importMap: Record<string, string>): Violation[] {
  const violations: Violation[] = [];
  for (const [file, source] of files) {
    const applicable = RULES.filter((rule) => rule.appliesTo(file));
    for (const { specifier, line } of modulesNamed(source)) {
      const target = resolveTarget(file, specifier, importMap);
      for (const rule of applicable) {
        if (!rule.allows(target)) violations.push({ rule: rule.name, file, line, specifier });
      }
    }
  }
  return violations;
}

const ROOT = new URL("../", import.meta.url);

/** Every .ts file under src/, keyed by its path from the repository root. */
function readSources(dir = "src"): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of Deno.readDirSync(new URL(dir, ROOT))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      for (const [p, s] of readSources(path)) files.set(p, s);
    } else if (entry.isFile && entry.name.endsWith(".ts")) {
      files.set(path, Deno.readTextFileSync(new URL(path, ROOT)));
    }
  }
  return files;
}

function describe(violations: Violation[]): string {
  return violations.map((v) => `${v.file}:${v.line}: imports "${v.specifier}"`).join("\n");
}

Deno.test("every import in src/ follows the layer rules", async (t) => {
  const importMap = JSON.parse(Deno.readTextFileSync(new URL("deno.json", ROOT))).imports;
  const files = readSources();
  const violations = checkLayers(files, importMap);
  for (const rule of RULES) {
    await t.step(rule.name, () => {
      // A rule that matches no file would pass for ever: the folder was renamed.
      assert.ok(
        [...files.keys()].some(rule.appliesTo),
        `Cannot check "${rule.name}": no file under src/ matches it; update the rule to the folders`,
      );
      const broken = violations.filter((v) => v.rule === rule.name);
      if (broken.length > 0) {
        assert.fail(`${broken.length} forbidden import(s) (${rule.name}):\n${describe(broken)}`);
      }
    });
  }
});

Deno.test("the layer check reports a forbidden import with its file, line and specifier", () => {
  const importMap = {
    "@sandplug/host": "./mod.ts",
    "@sandplug/host/plugin": "./src/runtime/sdk.ts",
    "zod": "npm:zod@4.1.12",
  };
  const files = new Map([
    [
      "src/runtime/serve.ts",
      [
        "/**",
        ' * import { variable } from "@sandplug/host/plugin";',
        " */",
        'import { z } from "zod";',
        'import type { Frame } from "../wire/framing.ts";',
        "import {",
        "  PluginError,",
        '} from "../errors/errors.ts";',
        '// import { createHost } from "../host/host.ts";',
        "const text = 'import \"../host/host.ts\"';",
        'const sdk = await import("@sandplug/host/plugin");',
      ].join("\n"),
    ],
    [
      "src/isolation/worker/tier.ts",
      [
        'const MAIN = new URL("../../runtime/worker_main.ts", import.meta.url);',
        'export { createHost } from "@sandplug/host";',
        'const home = new URL("https://example.com/", import.meta.url);',
        'const host = new URL("../../host/host.ts", import.meta.url);',
      ].join("\n"),
    ],
    ["src/host/host.ts", 'const tier = await import("../isolation/process/tier.ts");'],
    ["src/create_host.ts", 'import { createHost } from "./host/host.ts";'],
    ["src/wire/framing.ts", 'import { x } from "node:v8";\nimport { y } from "./records.ts";'],
  ]);
  const found = checkLayers(files, importMap).map((v) => `${v.file}:${v.line} ${v.specifier}`);
  assert.deepEqual(found, [
    "src/runtime/serve.ts:8 ../errors/errors.ts",
    // Once per rule broken: isolation/ never imports host/, and neither does anything but the root.
    "src/isolation/worker/tier.ts:2 @sandplug/host",
    "src/isolation/worker/tier.ts:2 @sandplug/host",
    "src/isolation/worker/tier.ts:4 ../../host/host.ts",
    "src/isolation/worker/tier.ts:4 ../../host/host.ts",
    "src/host/host.ts:1 ../isolation/process/tier.ts",
  ]);
});
