/**
 * Discovery and watch through the host: `host.loadAll()` loads a folder of
 * plugins in parallel, reporting the broken ones; `host.watch()` reloads a
 * plugin when its files change, and a broken or widening edit is an event
 * while the running version keeps serving. Every sandboxed tier.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHost, type HostEventMap, ManifestError, PluginLoadError } from "@sandplug/host";

async function writePlugin(
  dir: string,
  version: string,
  permissions: Record<string, unknown> = {},
  code = `export const version = () => "${version}";\n`,
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    join(dir, "plugin.json"),
    JSON.stringify({ name: dir.split("/").pop(), version, permissions }),
  );
  await Deno.writeTextFile(join(dir, "mod.ts"), code);
}

/** The next event of `type` the host fires; a test that waits in vain fails within 20 s. */
function next<K extends keyof HostEventMap>(
  host: EventTarget,
  type: K,
): Promise<HostEventMap[K]["detail"]> {
  const { promise, resolve, reject } = Promise.withResolvers<HostEventMap[K]["detail"]>();
  const timer = setTimeout(() => reject(new Error(`no "${type}" event within 20 s`)), 20_000);
  host.addEventListener(type, (event) => {
    clearTimeout(timer);
    resolve((event as HostEventMap[K]).detail);
  }, { once: true });
  return promise;
}

for (const tier of ["process", "worker"] as const) {
  Deno.test(`${tier} tier: loadAll loads the good plugins and reports the broken ones`, async () => {
    const root = await Deno.makeTempDir({ prefix: "sandplug-all-" });
    try {
      await writePlugin(join(root, "alpha"), "1.0.0");
      await writePlugin(join(root, "beta"), "2.0.0");
      await writePlugin(join(root, "broken-code"), "1.0.0", {}, "export const = ;\n");
      await Deno.mkdir(join(root, "broken-manifest"));
      await Deno.writeTextFile(join(root, "broken-manifest", "plugin.json"), "{ nope");
      await Deno.mkdir(join(root, "not-a-plugin"));
      await using host = createHost({ isolation: tier, log: () => {}, loadTimeoutMs: 60_000 });
      const { found, problems } = await host.discover(root);
      assert.deepEqual(found.map((p) => p.manifest.name), ["alpha", "beta", "broken-code"]);
      assert.equal(problems.length, 1);
      assert.ok(problems[0].error instanceof ManifestError);
      const { loaded, failed } = await host.loadAll(root);
      assert.deepEqual(loaded.map((p) => `${p.name}@${p.version}`).sort(), [
        "alpha@1.0.0",
        "beta@2.0.0",
      ]);
      assert.deepEqual(failed.map((f) => f.dir.split("/").pop()), [
        "broken-code",
        "broken-manifest",
      ]);
      assert.ok(failed[0].error instanceof PluginLoadError);
      assert.ok(failed[1].error instanceof ManifestError);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });

  Deno.test(`${tier} tier: watch reloads an edited plugin; a broken or widening edit keeps the old`, async () => {
    const root = await Deno.makeTempDir({ prefix: "sandplug-watch-" });
    try {
      const dir = join(root, "clock");
      await writePlugin(dir, "1.0.0");
      await using host = createHost({ isolation: tier, log: () => {}, allow: { env: ["HOME"] } });
      const p = await host.load(dir);
      await using _watcher = host.watch(root, { debounceMs: 50 });

      let reloaded = next(host, "reload");
      await writePlugin(dir, "1.1.0");
      assert.deepEqual({ ...(await reloaded), diff: undefined }, {
        plugin: "clock",
        from: "1.0.0",
        to: "1.1.0",
        diff: undefined,
      });
      assert.equal(await p.call("version"), "1.1.0");

      const failed = next(host, "reload-failed");
      await Deno.writeTextFile(join(dir, "mod.ts"), "export const version = (;\n");
      assert.ok((await failed).error instanceof PluginLoadError);
      assert.equal(await p.call("version"), "1.1.0", "the running version keeps serving");

      const refused = next(host, "upgrade-refused");
      await writePlugin(dir, "1.2.0", { env: ["HOME"] });
      const detail = await refused;
      assert.deepEqual([detail.from, detail.to, detail.diff.kinds.env?.added], [
        "1.1.0",
        "1.2.0",
        ["HOME"],
      ]);
      assert.equal(await p.call("version"), "1.1.0");

      reloaded = next(host, "reload");
      await writePlugin(dir, "1.3.0");
      assert.equal((await reloaded).to, "1.3.0");
      assert.equal(await p.call("version"), "1.3.0");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}
