/**
 * The host reads a plugin's plugin.json and modules in its own thread before
 * any plugin code runs: whatever bytes they hold must cost it bounded time and
 * memory, must not make Deno's parser abort it, and must not hide an import
 * from the import check. Attacks that took the host down run in a child host.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHost, ImportDeniedError, type IsolationName, ManifestError } from "@sandplug/host";
import { FileTooLargeError, readBounded } from "../../src/load/bounded_read.ts";
import { tempPlugin } from "../_helpers.ts";
import { ROOT, runChildHost } from "./_child_host.ts";

const TIERS: IsolationName[] = ["worker", "process"];
const MiB = 1024 * 1024;

interface ChildLoad {
  /** The plugin's load: "loaded", or the error's name and message. */
  outcome: { loaded: true } | { name: string; message: string; imports?: number };
  /** Whether a timer set before the load ran before it settled. */
  ticked: boolean;
  /** What a small plugin loaded afterwards answered, when the host lived on. */
  alive?: string;
}

/** Loads `dir` in a child host of `tier`, then a small plugin; kills the child after 60 s. */
async function loadInChild(dir: string, tier: IsolationName): Promise<ChildLoad> {
  const script = `
import { createHost } from "@sandplug/host";
import { tempPlugin } from ${JSON.stringify(join(ROOT, "tests/_helpers.ts"))};
await using host = createHost({ isolation: ${JSON.stringify(tier)} });
let ticked = false;
setTimeout(() => { ticked = true; }, 0);
let outcome;
try {
  await host.load(${JSON.stringify(dir)});
  outcome = { loaded: true };
} catch (error) {
  outcome = { name: error.name, message: error.message, imports: error.imports?.length };
}
console.log(JSON.stringify({ outcome, ticked }));
await using small = await tempPlugin({ name: "small" }, 'export function ping() { return "pong"; }\\n');
const plugin = await host.load(small.dir);
console.log(JSON.stringify({ alive: await plugin.call("ping") }));
`;
  const result = await runChildHost(script, [], 60_000);
  const lines = result.stdout.trim().split("\n").filter((line) => line.startsWith("{"));
  assert.ok(
    lines.length > 0,
    `the child host died (code ${result.code}, signal ${result.signal}): ${
      result.stderr.slice(-600)
    }`,
  );
  return Object.assign({}, ...lines.map((line) => JSON.parse(line))) as ChildLoad;
}

function assertRefused(load: ChildLoad, name: string, message: RegExp): void {
  assert.ok("name" in load.outcome, `the plugin loaded: ${JSON.stringify(load)}`);
  assert.equal(load.outcome.name, name, load.outcome.message);
  assert.match(load.outcome.message, message);
  assert.equal(load.alive, "pong", "the host did not load another plugin afterwards");
}

/** A plugin whose mod.ts is a sparse file of `bytes` NUL bytes: a few KB on disk. */
async function sparsePlugin(bytes: number) {
  const fixture = await tempPlugin({});
  await Deno.truncate(join(fixture.dir, "mod.ts"), bytes);
  return fixture;
}

for (const size of [96, 24]) {
  Deno.test(`host.load() refuses a sparse ${size} MiB mod.ts by its size, before reading it`, async (t) => {
    await using fixture = await sparsePlugin(size * MiB);
    for (const tier of TIERS) {
      await t.step(tier, async () => {
        assertRefused(
          await loadInChild(fixture.dir, tier),
          "PluginLoadError",
          new RegExp(
            `its module mod\\.ts is ${size}\\.0 MiB \\(${size * MiB} bytes\\), over the 8\\.0 MiB`,
          ),
        );
      });
    }
  });
}

Deno.test("host.load() refuses modules adding up to more than 64 MiB, and lets timers run meanwhile", async (t) => {
  const modules = Array.from({ length: 9 }, (_, k) => `m${k}.ts`);
  const filler = " ".repeat(7.5 * MiB); // one space short of nothing: the cheapest bytes to scan
  await using fixture = await tempPlugin(
    {},
    modules.map((name) => `import "./${name}";\n`).join(""),
    Object.fromEntries(modules.map((name) => [name, filler])),
  );
  for (const tier of TIERS) {
    await t.step(tier, async () => {
      const load = await loadInChild(fixture.dir, tier);
      assertRefused(load, "PluginLoadError", /its modules add up to more than the 64\.0 MiB/);
      assert.ok(load.ticked, "the host's event loop did not run while the graph was checked");
    });
  }
});

Deno.test("host.load() refuses code nested deep enough to overflow Deno's parser", async (t) => {
  // Each of these aborted a worker-tier host ("has overflowed its stack") on Deno 2.9.6.
  const forms = {
    "parentheses": `export const x = ${"(".repeat(2000)}0${")".repeat(2000)};\n`,
    "arrow functions": `export const x = ${"a=>".repeat(2000)}0;\n`,
    "operators": `export const x = ${"1+".repeat(12_000)}1;\n`,
    "type arguments": `export type X = ${"Array<".repeat(3000)}0${">".repeat(3000)};\n`,
    "class extends": `export const X = ${"class extends ".repeat(3000)}Object {};\n`,
    "labels": `export function x() {\n${
      Array.from({ length: 3000 }, (_, k) => `l${k}:\n`).join("")
    }}\n`,
  };
  for (const [name, code] of Object.entries(forms)) {
    await using fixture = await tempPlugin({}, code);
    for (const tier of TIERS) {
      await t.step(`${name}, ${tier}`, async () => {
        assertRefused(
          await loadInChild(fixture.dir, tier),
          "PluginLoadError",
          /its module mod\.ts nests code too deeply at line \d+/,
        );
      });
    }
  }
});

Deno.test("host.load() refuses 8 MiB of NUL bytes at once, and loads or refuses 4 MiB of tiny statements", async (t) => {
  await using nul = await sparsePlugin(8 * MiB - 1);
  await using tiny = await tempPlugin({}, `${";".repeat(4 * MiB)}\nexport const ok = true;\n`);
  for (const tier of TIERS) {
    await t.step(`NUL bytes, ${tier}`, async () => {
      assertRefused(
        await loadInChild(nul.dir, tier),
        "PluginLoadError",
        /mod\.ts nests code too deeply at line 2/,
      );
    });
    await t.step(`semicolons, ${tier}`, async () => {
      const load = await loadInChild(tiny.dir, tier);
      if ("name" in load.outcome) assert.match(load.outcome.name, /Error$/);
      assert.equal(load.alive, "pong");
    });
  }
});

Deno.test("ImportDeniedError lists the first 100 of 380,000 refused imports", async () => {
  await using fixture = await tempPlugin({}, 'import "npm:denied";\n'.repeat(380_000));
  const load = await loadInChild(fixture.dir, "worker");
  assertRefused(load, "ImportDeniedError", /mod\.ts:100 imports "npm:denied"/);
  assert.ok("imports" in load.outcome);
  assert.equal(load.outcome.imports, 100);
  assert.ok(load.outcome.message.length < 20_000, `${load.outcome.message.length} characters`);
});

Deno.test("the import check sees imports however they are spelled", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["an escape in the specifier", 'import "./\\x2e./outside.ts";\n', /written with an escape/],
    ["a unicode escape", 'import "\\u002e./outside.ts";\n', /written with an escape/],
    ["a comment ended by a carriage return", '// note\rimport "../outside.ts";\n', /leaves/],
    ["a comment ended by U+2028", '// note\u2028import "../outside.ts";\n', /leaves/],
    ["a comment ended by U+2029", '// note\u2029import "../outside.ts";\n', /leaves/],
    ["a no-break space after import", 'import\u00a0"../outside.ts";\n', /leaves/],
    ["an ideographic space before from", 'export * from\u3000"../outside.ts";\n', /leaves/],
    ["a file URL with a host", 'import "file://host/outside.ts";\n', /not a URL Deno can load/],
    ["a remote URL that does not parse", 'import "https://[";\n', /not a URL Deno can load/],
  ];
  for (const [name, code, reason] of cases) {
    await using fixture = await tempPlugin({}, `${code}export const ok = true;\n`);
    await Deno.writeTextFile(join(fixture.parent, "outside.ts"), "export const outside = 1;\n");
    for (const tier of TIERS) {
      await t.step(`${name}, ${tier}`, async () => {
        await using host = createHost({ isolation: tier });
        await assert.rejects(host.load(fixture.dir), (error: unknown) => {
          assert.ok(error instanceof ImportDeniedError, String(error));
          assert.match(error.message, /mod\.ts:\d+ imports /);
          assert.match(error.message, reason);
          return true;
        });
      });
    }
  }
});

Deno.test("host.load() refuses a plugin.json over 1 MiB before parsing it", async (t) => {
  await using sparse = await tempPlugin({});
  await Deno.truncate(join(sparse.dir, "plugin.json"), 64 * MiB);
  const padded = JSON.stringify({
    name: "test-plugin",
    version: "1.0.0",
    entry: "mod.ts",
    description: "x".repeat(2 * MiB),
  });
  await using valid = await tempPlugin(padded);
  const cases: [string, string, RegExp][] = [
    ["a sparse 64 MiB file", sparse.dir, /is 64\.0 MiB \(67108864 bytes\), over the 1\.0 MiB/],
    ["2 MiB of valid JSON", valid.dir, /is 2\.0 MiB \(\d+ bytes\), over the 1\.0 MiB/],
  ];
  for (const [name, dir, message] of cases) {
    for (const tier of TIERS) {
      await t.step(`${name}, ${tier}`, async () => {
        await using host = createHost({ isolation: tier });
        await assert.rejects(host.load(dir), (error: unknown) => {
          assert.ok(error instanceof ManifestError, String(error));
          assert.match(error.message, /plugin\.json: /);
          assert.match(error.message, message);
          return true;
        });
      });
    }
  }
});

Deno.test("a remembered module that becomes huge is refused, not hashed", async () => {
  await using fixture = await tempPlugin({}, 'import "./lib.ts";\nexport const ok = true;\n', {
    "lib.ts": "export const lib = 1;\n",
  });
  // The first load passes and is remembered; then lib.ts becomes a sparse 96 MiB file.
  const result = await runChildHost(`
import { createHost } from "@sandplug/host";
await using host = createHost({ isolation: "process" });
await (await host.load(${JSON.stringify(fixture.dir)})).close();
await Deno.truncate(${JSON.stringify(join(fixture.dir, "lib.ts"))}, ${96 * MiB});
await host.load(${
    JSON.stringify(fixture.dir)
  }).catch((error) => console.log(error.name, error.message));
console.log("host alive");
`);
  assert.match(result.stdout, /^PluginLoadError .*its module lib\.ts is 96\.0 MiB/m, result.stderr);
  assert.match(result.stdout, /^host alive$/m);
});

Deno.test({
  name: "readBounded() reads no more than its limit and one byte, whatever the stat said",
  ignore: Deno.build.os !== "linux",
}, () => {
  // A /proc file is a regular file whose stat size is 0: it stands for one that grew after the stat.
  assert.throws(() => readBounded("/proc/self/status", 100), (error: unknown) => {
    assert.ok(error instanceof FileTooLargeError);
    assert.equal(error.grew, true);
    assert.equal(error.size, 101);
    return true;
  });
  assert.ok(readBounded("/proc/self/status", 1 * MiB)!.byteLength > 100);
});
