/**
 * Reloading a changed plugin: `close()`, change its files, `load()` again.
 * Every tier runs the new code, whether the entry module changed or only a
 * module it imports. The worker and process tiers start a fresh isolate on
 * each load; the inline tier shares the host's isolate, where Deno keeps a
 * module for as long as the process lives under the URL it was imported by.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createHost, type IsolationName, PluginLoadError } from "@sandplug/host";
import { entryUrl } from "../src/isolation/inline/entry_url.ts";
import type { IsolateSpec } from "../src/isolation/types.ts";
import { tempPlugin } from "./_helpers.ts";

const TIERS: readonly IsolationName[] = ["inline", "worker", "process"];

/** An entry module that reports its own version and its helper's. */
function entry(version: string, helper = "./lib/helper.ts"): string {
  return `import { helper } from "${helper}";\n` +
    `export function version(): string {\n  return "entry ${version}, " + helper();\n}\n`;
}

/** A helper module, in a folder of its own, that imports a module above it with "../". */
function helper(version: string): string {
  return `import { base } from "../base.ts";\n` +
    `export function helper(): string {\n  return "helper ${version}, " + base;\n}\n`;
}

const BASE = 'export const base = "base 1";\n';

/** Loads the plugin in `dir` in a host of its own, calls `version`, and closes the host. */
async function versionOf(dir: string, isolation: IsolationName): Promise<string> {
  await using host = createHost({ isolation });
  const plugin = await host.load(dir);
  try {
    return await plugin.call("version") as string;
  } finally {
    await plugin.close();
  }
}

for (const tier of TIERS) {
  Deno.test(`${tier} tier: a load after close() runs a changed entry module`, async () => {
    await using fixture = await tempPlugin({}, entry("1"), {
      "lib/helper.ts": helper("1"),
      "base.ts": BASE,
    });
    await using host = createHost({ isolation: tier });
    const first = await host.load(fixture.dir);
    assert.equal(await first.call("version"), "entry 1, helper 1, base 1");
    await first.close();
    await Deno.writeTextFile(join(fixture.dir, "mod.ts"), entry("2"));
    const second = await host.load(fixture.dir);
    assert.equal(await second.call("version"), "entry 2, helper 1, base 1");
  });

  Deno.test(`${tier} tier: a load after close() runs changed modules the entry imports`, async () => {
    await using fixture = await tempPlugin({}, entry("1"), {
      "lib/helper.ts": helper("1"),
      "base.ts": BASE,
    });
    assert.equal(await versionOf(fixture.dir, tier), "entry 1, helper 1, base 1");
    await Deno.writeTextFile(join(fixture.dir, "lib/helper.ts"), helper("2"));
    assert.equal(await versionOf(fixture.dir, tier), "entry 1, helper 2, base 1");
    // A module two imports deep, reached with "../", changed alone.
    await Deno.writeTextFile(join(fixture.dir, "base.ts"), 'export const base = "base 2";\n');
    assert.equal(await versionOf(fixture.dir, tier), "entry 1, helper 2, base 2");
    // Back to code this process ran before: still what is on disk now.
    await Deno.writeTextFile(join(fixture.dir, "lib/helper.ts"), helper("1"));
    assert.equal(await versionOf(fixture.dir, tier), "entry 1, helper 1, base 2");
  });
}

Deno.test("inline tier: a load after close() sees a changed JSON module the plugin imports", async () => {
  await using fixture = await tempPlugin(
    {},
    'import data from "./data.json" with { type: "json" };\n' +
      "export function version(): string {\n  return data.version;\n}\n",
    { "data.json": '{ "version": "data 1" }' },
  );
  assert.equal(await versionOf(fixture.dir, "inline"), "data 1");
  await Deno.writeTextFile(join(fixture.dir, "data.json"), '{ "version": "data 2" }');
  assert.equal(await versionOf(fixture.dir, "inline"), "data 2");
});

Deno.test("inline tier: a changed JSON module too large to hash is told apart by its size and times", async () => {
  // Over the 8 MiB the import check reads of one module: read for nothing, and refused for nothing.
  const big = (version: string) =>
    JSON.stringify({ version, padding: "x".repeat(9 * 1024 * 1024) });
  await using fixture = await tempPlugin(
    {},
    'import data from "./big.json" with { type: "json" };\n' +
      "export function version(): string {\n  return data.version;\n}\n",
    { "big.json": big("big 1") },
  );
  assert.equal(await versionOf(fixture.dir, "inline"), "big 1");
  await Deno.writeTextFile(join(fixture.dir, "big.json"), big("big 22"));
  assert.equal(await versionOf(fixture.dir, "inline"), "big 22");
});

Deno.test("inline tier: a plugin still open keeps its code while a new load runs the changed code", async () => {
  await using fixture = await tempPlugin({}, entry("1"), {
    "lib/helper.ts": helper("1"),
    "base.ts": BASE,
  });
  await using host = createHost({ isolation: "inline" });
  const old = await host.load(fixture.dir);
  await Deno.writeTextFile(join(fixture.dir, "lib/helper.ts"), helper("2"));
  const current = await host.load(fixture.dir);
  assert.equal(await current.call("version"), "entry 1, helper 2, base 1");
  assert.equal(await old.call("version"), "entry 1, helper 1, base 1");
});

Deno.test("inline tier: an unchanged plugin is not imported again, so its module state carries over", async () => {
  await using fixture = await tempPlugin(
    {},
    "let calls = 0;\nexport function count(): number {\n  return ++calls;\n}\n",
  );
  await using host = createHost({ isolation: "inline" });
  const first = await host.load(fixture.dir);
  assert.equal(await first.call("count"), 1);
  await first.close();
  const second = await host.load(fixture.dir);
  assert.equal(await second.call("count"), 2, "the same module instance, as before this fix");
  await second.close();
  await Deno.writeTextFile(
    join(fixture.dir, "mod.ts"),
    "let calls = 10;\nexport function count(): number {\n  return ++calls;\n}\n",
  );
  const third = await host.load(fixture.dir);
  assert.equal(await third.call("count"), 11, "changed code starts with fresh state");
});

Deno.test("inline tier: a changed plugin that imports its own module by absolute path is refused, not run stale", async () => {
  await using fixture = await tempPlugin({}, "", { "lib/helper.ts": helper("1"), "base.ts": BASE });
  const absolute = pathToFileURL(join(fixture.dir, "lib/helper.ts")).href;
  await Deno.writeTextFile(join(fixture.dir, "mod.ts"), entry("1", absolute));
  assert.equal(await versionOf(fixture.dir, "inline"), "entry 1, helper 1, base 1");
  await Deno.writeTextFile(join(fixture.dir, "lib/helper.ts"), helper("2"));
  await assert.rejects(versionOf(fixture.dir, "inline"), (error: unknown) => {
    assert.ok(error instanceof PluginLoadError, String(error));
    assert.match(error.message, /absolute/);
    assert.match(error.message, /isolation: "worker"/);
    return true;
  });
  // The tiers that start afresh run it.
  assert.equal(await versionOf(fixture.dir, "worker"), "entry 1, helper 2, base 1");
});

Deno.test("inline tier: each changed version gets a new URL of the same file, and their number is bounded", () => {
  // A folder path with two letters to spell apart: three more versions after the first.
  const entry = "file:///a/%20b/mod.ts";
  const spec = (digest: string): IsolateSpec =>
    ({ plugin: "p", entry, graph: { digest, absoluteImports: false } }) as IsolateSpec;
  const urls = ["1", "2", "2", "3", "4"].map((digest) => entryUrl(spec(digest)));
  assert.equal(urls[0], entry, "the first version is imported by its own URL");
  assert.equal(urls[2], urls[1], "an unchanged version keeps its URL");
  assert.equal(new Set(urls).size, 4);
  for (const url of urls) {
    assert.equal(new URL(url).href, url);
    assert.equal(fileURLToPath(url), fileURLToPath(entry));
  }
  assert.throws(() => entryUrl(spec("5")), (error: unknown) => {
    assert.ok(error instanceof PluginLoadError);
    assert.match(error.message, /after 4 versions/);
    return true;
  });
});
