/**
 * The integrity lock through the host: `createHost({ lock })` verifies every
 * load and reload against the lock file, in every sandboxed tier; a changed
 * module, or one added to the graph, is named; a plugin missing from a lock
 * that is not being updated is refused.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHost, IntegrityError } from "@sandplug/host";
import { tempPlugin } from "./_helpers.ts";

const CODE = `import { helper } from "./lib/helper.ts";\nexport const hello = () => helper();\n`;
const FILES = { "lib/helper.ts": `export const helper = () => "hello";\n` };

for (const tier of ["process", "worker"] as const) {
  Deno.test(`${tier} tier: a load against the lock names a changed and an added module`, async () => {
    await using fixture = await tempPlugin({}, CODE, FILES);
    const lock = join(fixture.parent, "sandplug.lock");
    {
      await using writer = createHost({
        isolation: tier,
        log: () => {},
        lock: { path: lock, update: true },
      });
      const p = await writer.load(fixture.dir);
      assert.equal(await p.call("hello"), "hello");
    }
    const written = JSON.parse(await Deno.readTextFile(lock));
    assert.deepEqual(Object.keys(written.plugins["test-plugin"].files).sort(), [
      "lib/helper.ts",
      "mod.ts",
      "plugin.json",
    ]);

    await using host = createHost({ isolation: tier, log: () => {}, lock });
    const p = await host.load(fixture.dir);
    assert.equal(await p.call("hello"), "hello", "an unchanged plugin loads");

    await Deno.writeTextFile(
      join(fixture.dir, "lib/helper.ts"),
      `export const helper = () => "hi";\n`,
    );
    const changed = await host.load(fixture.dir).catch((error) => error);
    assert.ok(changed instanceof IntegrityError, String(changed));
    assert.deepEqual(changed.changes, [{ path: "lib/helper.ts", change: "changed" }]);
    assert.match(changed.message, /lib\/helper\.ts changed/);

    // A reload goes through the lock too: the running version keeps serving.
    await assert.rejects(p.reload(), IntegrityError);
    assert.equal(await p.call("hello"), "hello");

    await Deno.writeTextFile(join(fixture.dir, "lib/helper.ts"), FILES["lib/helper.ts"]);
    await Deno.writeTextFile(join(fixture.dir, "lib/extra.ts"), `export const extra = 1;\n`);
    await Deno.writeTextFile(join(fixture.dir, "mod.ts"), `import "./lib/extra.ts";\n${CODE}`);
    const added = await host.load(fixture.dir).catch((error) => error);
    assert.ok(added instanceof IntegrityError, String(added));
    assert.deepEqual(
      added.changes.map((c: { path?: string; change: string }) => `${c.path} ${c.change}`).sort(),
      ["lib/extra.ts added", "mod.ts changed"],
    );
  });
}

Deno.test("a plugin missing from a lock that is not being updated is refused", async () => {
  await using fixture = await tempPlugin({}, CODE, FILES);
  const lock = join(fixture.parent, "sandplug.lock");
  await Deno.writeTextFile(lock, JSON.stringify({ version: 1, plugins: {} }));
  await using host = createHost({ isolation: "worker", log: () => {}, lock });
  const error = await host.load(fixture.dir).catch((error) => error);
  assert.ok(error instanceof IntegrityError, String(error));
  assert.equal(error.missing, true);
  assert.match(error.message, /holds no entry for it/);
});
