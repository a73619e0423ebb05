/**
 * Calls a plugin never started when it died: with a restart policy they run
 * on the restarted plugin within their own deadline; without one they fail
 * with `PluginCrashedError` saying they never ran (`started: false`). Calls
 * that did start fail, saying so (`started: true`): they run at most once.
 */
import assert from "node:assert/strict";
import { createHost, PluginCrashedError } from "../mod.ts";
import { tempPlugin } from "./_helpers.ts";

const PLUGIN = `export const echo = (x) => x;
export function exitNow() { Deno.exit(3); }
export async function later() { await new Promise((r) => setTimeout(r, 20)); Deno.exit(4); }
`;

for (const tier of ["process", "worker"] as const) {
  Deno.test(`${tier} tier: calls queued behind a call that exits run after the restart`, async () => {
    await using fixture = await tempPlugin({}, PLUGIN);
    await using host = createHost({
      isolation: tier,
      log: () => {},
      restart: { maxRestarts: 3, backoffMs: 10 },
    });
    const p = await host.load(fixture.dir);
    await p.call("echo", [0]); // echo is known quick from here on
    const before = [1, 2, 3].map((i) => p.call("echo", [i]));
    const exiting = p.call("exitNow");
    const after = [4, 5, 6].map((i) => p.call("echo", [i]));
    const [ok, exited, rerun] = await Promise.all([
      Promise.all(before),
      Promise.allSettled([exiting]),
      Promise.all(after),
    ]);
    assert.deepEqual(ok, [1, 2, 3]);
    assert.deepEqual(rerun, [4, 5, 6], "the calls after the exit ran on the restarted plugin");
    const error = (exited[0] as PromiseRejectedResult).reason;
    assert.ok(error instanceof PluginCrashedError);
    assert.equal(error.started, true);
    assert.match(error.message, /sent \d+ ms before, had started, and is not run again/);
  });

  Deno.test(`${tier} tier: without a restart policy, calls that never ran say so`, async () => {
    await using fixture = await tempPlugin({}, PLUGIN);
    await using host = createHost({ isolation: tier, log: () => {} });
    const p = await host.load(fixture.dir);
    await p.call("echo", [0]);
    const exiting = p.call("exitNow");
    const after = p.call("echo", [1]);
    const [exited, never] = await Promise.allSettled([exiting, after]);
    assert.equal((exited as PromiseRejectedResult).reason.started, true);
    const error = (never as PromiseRejectedResult).reason;
    assert.ok(error instanceof PluginCrashedError);
    assert.equal(error.started, false);
    assert.match(error.message, /the call, sent \d+ ms before, never ran, so it is safe to retry/);
  });

  Deno.test(`${tier} tier: an async call in flight when its plugin dies had started`, async () => {
    await using fixture = await tempPlugin({}, PLUGIN);
    await using host = createHost({ isolation: tier, log: () => {}, restart: "on-failure" });
    const p = await host.load(fixture.dir);
    await p.call("echo", [0]);
    const [dying] = await Promise.allSettled([p.call("later")]);
    const error = (dying as PromiseRejectedResult).reason;
    assert.ok(error instanceof PluginCrashedError);
    assert.equal(error.started, true);
    // The plugin restarted, and serves.
    assert.equal(await p.call("echo", [7]), 7);
  });
}

const ONCE = `export function mark(path, fatal) {
  Deno.writeTextFileSync(path, "x", { append: true });
  if (fatal === "exit") Deno.exit(5);
  if (fatal === "spin") for (;;) {}
  return "marked";
}
export const echo = (x) => x;
`;

for (const tier of ["process", "worker"] as const) {
  for (const fatal of tier === "process" ? ["exit", "spin"] : ["exit"]) {
    Deno.test(`${tier} tier: a quick function that ${fatal}s this time runs once, not again after the restart`, async () => {
      const marksDir = await Deno.makeTempDir({ prefix: "sandplug-marks-" });
      const marks = `${marksDir}/marks`;
      await Deno.writeTextFile(marks, "");
      await using fixture = await tempPlugin({ permissions: { write: [marks] } }, ONCE);
      await using host = createHost({
        isolation: tier,
        log: () => {},
        allow: { write: [marks] },
        restart: { maxRestarts: 5, backoffMs: 10 },
      });
      const q = await host.load(fixture.dir);
      // Known quick from here on: the runtime no longer says STARTED before running it.
      for (let i = 0; i < 3; i++) assert.equal(await q.call("mark", [marks]), "marked");
      await Deno.writeTextFile(marks, "");
      // A spinning plugin is found stuck once a call behind it passes its deadline.
      const [fatalCall, after] = await Promise.allSettled([
        q.call("mark", [marks, fatal], { timeoutMs: 10_000 }),
        q.call("echo", [1], { timeoutMs: fatal === "spin" ? 300 : 10_000 }),
      ]);
      const error = (fatalCall as PromiseRejectedResult).reason;
      assert.ok(error instanceof PluginCrashedError, String(error));
      assert.equal(error.started, true, error.message);
      if (fatal === "exit") {
        assert.deepEqual(
          after,
          { status: "fulfilled", value: 1 },
          "the call behind it ran after the restart",
        );
      }
      assert.equal(await Deno.readTextFile(marks), "x", "the fatal call ran exactly once");
      await Deno.remove(marksDir, { recursive: true });
    });
  }
}
