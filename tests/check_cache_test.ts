/**
 * The memory of passed import checks: an unchanged plugin is not scanned
 * again, and whatever could change the verdict (a byte of any module it read,
 * a module that appears, the grant, the folder) makes it scan again. Each
 * test asserts the verdict first and the cache's counters second, so that a
 * cache that answers wrongly fails on what matters.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHost, ImportDeniedError, PluginLoadError } from "@sandplug/host";
import { checkCacheStats, clearCheckCache } from "../src/load/check_cache.ts";
import { checkModuleGraph } from "../src/load/module_graph.ts";
import { grantOf, tempPlugin } from "./_helpers.ts";

const LIB = "export function twice(n: number): number {\n  return n * 2;\n}\n";
const MOD =
  'import { twice } from "./lib.ts";\nexport function four(): number {\n  return twice(2);\n}\n';

/** How the counters moved while `run` ran. */
async function counted(run: () => Promise<unknown>): Promise<{ hits: number; misses: number }> {
  const before = checkCacheStats();
  await run();
  const after = checkCacheStats();
  return { hits: after.hits - before.hits, misses: after.misses - before.misses };
}

Deno.test("host.load() of an unchanged plugin answers the import check from memory, across hosts", async () => {
  clearCheckCache();
  await using fixture = await tempPlugin({}, MOD, { "lib.ts": LIB });
  await using first = createHost({ isolation: "worker" });
  assert.deepEqual(
    await counted(async () => assert.equal(await (await first.load(fixture.dir)).call("four"), 4)),
    { hits: 0, misses: 1 },
  );
  await using second = createHost({ isolation: "worker" });
  assert.deepEqual(
    await counted(async () => assert.equal(await (await second.load(fixture.dir)).call("four"), 4)),
    { hits: 1, misses: 0 },
  );
});

Deno.test("a changed byte in an imported module makes host.load() check the graph again", async () => {
  clearCheckCache();
  await using fixture = await tempPlugin({}, MOD, { "lib.ts": LIB });
  await Deno.writeTextFile(join(fixture.parent, "outside.ts"), "export const secret = 1;\n");
  await using host = createHost({ isolation: "worker" });
  await host.load(fixture.dir);
  await Deno.writeTextFile(join(fixture.dir, "lib.ts"), `import "../outside.ts";\n${LIB}`);
  const moved = await counted(() =>
    assert.rejects(host.load(fixture.dir), (error: unknown) => {
      assert.ok(error instanceof ImportDeniedError);
      assert.match(
        error.message,
        /lib\.ts:1 imports "\.\.\/outside\.ts": it leaves the plugin folder/,
      );
      return true;
    })
  );
  assert.deepEqual(moved, { hits: 0, misses: 1 });
});

Deno.test("a harmless edit is scanned once, then remembered again", async () => {
  clearCheckCache();
  await using fixture = await tempPlugin({}, MOD, { "lib.ts": LIB });
  await using host = createHost({ isolation: "worker" });
  await host.load(fixture.dir);
  await Deno.writeTextFile(join(fixture.dir, "lib.ts"), `// edited\n${LIB}`);
  assert.deepEqual(await counted(() => host.load(fixture.dir)), { hits: 0, misses: 1 });
  assert.deepEqual(await counted(() => host.load(fixture.dir)), { hits: 1, misses: 0 });
});

Deno.test("a module that was missing and then appears is scanned before the next load", async () => {
  clearCheckCache();
  await using fixture = await tempPlugin(
    {},
    'export async function later(): Promise<unknown> {\n  return await import("./later.ts");\n}\n',
  );
  await using host = createHost({ isolation: "worker" });
  await host.load(fixture.dir);
  await Deno.writeTextFile(join(fixture.dir, "later.ts"), 'import "npm:left-pad";\n');
  await assert.rejects(host.load(fixture.dir), (error: unknown) => {
    assert.ok(error instanceof ImportDeniedError);
    assert.match(error.message, /later\.ts:1 imports "npm:left-pad": the package is not declared/);
    return true;
  });
});

Deno.test("a module that is not imported does not affect the memory", async () => {
  clearCheckCache();
  await using fixture = await tempPlugin({}, MOD, { "lib.ts": LIB });
  await using host = createHost({ isolation: "worker" });
  await host.load(fixture.dir);
  await Deno.writeTextFile(join(fixture.dir, "notes.ts"), 'import "npm:left-pad";\n');
  assert.deepEqual(await counted(() => host.load(fixture.dir)), { hits: 1, misses: 0 });
});

Deno.test("the folder's symlink check runs on every load, remembered graph or not", async () => {
  clearCheckCache();
  await using fixture = await tempPlugin({}, MOD, { "lib.ts": LIB });
  await using host = createHost({ isolation: "worker" });
  await host.load(fixture.dir);
  await Deno.symlink("/etc", join(fixture.dir, "etc"));
  await assert.rejects(host.load(fixture.dir), (error: unknown) => {
    assert.ok(error instanceof PluginLoadError);
    assert.match(
      error.message,
      /its folder holds a symlink etc → \/etc, outside the plugin folder/,
    );
    return true;
  });
});

Deno.test("checkModuleGraph() remembers a pass per grant, folder and entry", async (t) => {
  clearCheckCache();
  await using fixture = await tempPlugin(
    { imports: ["npm:left-pad"] },
    'export async function pad(): Promise<unknown> {\n  return await import("npm:left-pad");\n}\n',
  );
  const entry = join(fixture.dir, "mod.ts");
  const declared = grantOf(fixture.dir, { imports: ["npm:left-pad"] });
  checkModuleGraph("test-plugin", entry, fixture.dir, declared);

  await t.step("the same inputs hit", async () => {
    const moved = await counted(() =>
      Promise.resolve(checkModuleGraph("test-plugin", entry, fixture.dir, declared))
    );
    assert.deepEqual(moved, { hits: 1, misses: 0 });
  });

  await t.step("a grant without the package misses, and refuses the import", () => {
    assert.throws(
      () => checkModuleGraph("test-plugin", entry, fixture.dir, grantOf(fixture.dir)),
      (error: unknown) => error instanceof ImportDeniedError && /npm:left-pad/.test(error.message),
    );
  });

  await t.step("another folder holding the same bytes misses", async () => {
    await using copy = await tempPlugin(
      { imports: ["npm:left-pad"] },
      await Deno.readTextFile(entry),
    );
    const moved = await counted(() =>
      Promise.resolve(
        checkModuleGraph(
          "test-plugin",
          join(copy.dir, "mod.ts"),
          copy.dir,
          grantOf(copy.dir, { imports: ["npm:left-pad"] }),
        ),
      )
    );
    assert.deepEqual(moved, { hits: 0, misses: 1 });
  });

  await t.step("a refused graph is never remembered", async () => {
    const undeclared = grantOf(fixture.dir);
    for (let i = 0; i < 2; i++) {
      const moved = await counted(() =>
        Promise.resolve().then(() =>
          checkModuleGraph("test-plugin", entry, fixture.dir, undeclared)
        )
          .catch((error) => assert.ok(error instanceof ImportDeniedError))
      );
      assert.deepEqual(moved, { hits: 0, misses: 1 });
    }
  });
});
