/**
 * Issue 9 item 3: a plugin granted nothing must not grow the host's disk
 * through Deno's module caches. Deno transpiles, analyses and code-caches
 * every module a process loads, keyed by its specifier, in `DENO_DIR`, and
 * no permission governs it: `data:` and `blob:` modules built at run time,
 * and the plugin's own files imported by ever new specifiers (a query
 * string, a path through a link to a folder), each leave about 0.9 MB per
 * 64 KiB module.
 *
 * The process tier's children share one `DENO_DIR` whose caches are made
 * read-only once the runtime is in them. A worker shares the host's own
 * `DENO_DIR`, and nothing inside the host process can refuse such an import
 * (SECURITY.md, residual risks): that growth is pinned here in a child host
 * with a `DENO_DIR` of its own, so that this test leaves the real cache alone.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHost, PluginLoadError } from "@sandplug/host";
import { sharedDenoDir } from "../../src/isolation/process/deno_dir.ts";
import { tempPlugin } from "../_helpers.ts";
import { ROOT, runChildHost } from "./_child_host.ts";

const MIB = 1024 * 1024;
const MODULES = 30;

/** Imports `count` distinct modules of about 64 KiB each, built or reached in the way `how` names. */
const HOSTILE = `
const PAD = "a".repeat(64 * 1024 - 100);
const source = (i: number) =>
  "export const v" + i + "_" + crypto.randomUUID().replaceAll("-", "") + ": string = '" + PAD + "';";

export async function fill(how: string, count: number): Promise<number> {
  for (let i = 0; i < count; i++) {
    if (how === "data") {
      await import("data:application/typescript;base64," + btoa(source(i)));
    } else if (how === "blob") {
      await import(URL.createObjectURL(new Blob([source(i)], { type: "application/typescript" })));
    } else if (how === "query") {
      await import("./big.ts?" + crypto.randomUUID());
    } else if (how === "links") {
      // a and b lead back to this folder: each sequence is a new path to the same file.
      let path = "./";
      for (let bit = 0; bit < 8; bit++) path += ((i >> bit) & 1 ? "a" : "b") + "/";
      await import(path + "big.ts");
    }
  }
  return count;
}
`;

/** About 64 KiB of code, not one string: its V8 code cache entry is what grows per specifier. */
const BIG = [
  `export const table = [${
    Array.from({ length: 1500 }, (_, i) => `{ a: ${i}, b: "k${i}", c: [${i}, ${i + 1}] }`)
  }];`,
  ...Array.from({ length: 150 }, (_, i) => `export const f${i} = (x: number): number => x * ${i};`),
].join("\n");

/** Bytes of every file under `dir`, links not followed. */
function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) total += folderBytes(path);
    else if (entry.isFile) total += Deno.lstatSync(path).size;
  }
  return total;
}

async function hostilePlugin(links: boolean) {
  const fixture = await tempPlugin({ name: "filler" }, HOSTILE, { "big.ts": BIG });
  if (links) {
    await Deno.symlink(".", join(fixture.dir, "a"));
    await Deno.symlink(".", join(fixture.dir, "b"));
  }
  return fixture;
}

Deno.test("a process-tier plugin granted nothing cannot grow the shared DENO_DIR", async (t) => {
  await using host = createHost({ isolation: "process" });
  for (const how of ["data", "blob", "query", "links"]) {
    await t.step(`by importing ${MODULES} modules of 64 KiB (${how})`, async () => {
      await using fixture = await hostilePlugin(how === "links");
      let plugin: Awaited<ReturnType<typeof host.load>>;
      try {
        plugin = await host.load(fixture.dir);
      } catch (error) {
        // A folder check that refuses links to folders closes this way as well.
        assert.ok(how === "links" && error instanceof PluginLoadError, String(error));
        return;
      }
      const denoDir = sharedDenoDir().denoDir;
      const before = folderBytes(denoDir);
      assert.equal(await plugin.call("fill", [how, MODULES], { timeoutMs: 60_000 }), MODULES);
      await plugin.close();
      const grown = folderBytes(denoDir) - before;
      assert.ok(grown < MIB, `the shared DENO_DIR grew by ${grown} bytes`);
    });
  }
});

Deno.test("a worker-tier plugin granted nothing grows the host's DENO_DIR (residual risk)", async () => {
  const denoDir = await Deno.makeTempDir({ prefix: "sandplug-denodir-" });
  try {
    const script = `
import { createHost } from "@sandplug/host";
import { tempPlugin } from ${JSON.stringify(join(ROOT, "tests/_helpers.ts"))};
const size = (dir: string): number => [...Deno.readDirSync(dir)].reduce((total, entry) =>
  total + (entry.isDirectory ? size(dir + "/" + entry.name)
    : entry.isFile ? Deno.lstatSync(dir + "/" + entry.name).size : 0), 0);
await using fixture = await tempPlugin({ name: "filler" }, ${JSON.stringify(HOSTILE)});
await using host = createHost({ isolation: "worker" });
const plugin = await host.load(fixture.dir);
const before = size(Deno.env.get("DENO_DIR")!);
await plugin.call("fill", ["data", ${MODULES}], { timeoutMs: 60_000 });
console.log("grown", size(Deno.env.get("DENO_DIR")!) - before);
`;
    // Manual: the child resolves npm packages from node_modules, not from its empty DENO_DIR.
    const result = await runChildHost(script, ["--node-modules-dir=manual"], 120_000, {
      DENO_DIR: denoDir,
    });
    const grown = Number(/grown (\d+)/.exec(result.stdout)?.[1]);
    assert.ok(Number.isFinite(grown), `the child host failed: ${result.stderr}`);
    // Deno 2.9.6: about 0.75 MB per module. A Deno that stops caching them fails this: update SECURITY.md.
    assert.ok(grown > 10 * MIB, `the host's DENO_DIR grew by only ${grown} bytes`);
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});
