/**
 * Streams out of a plugin (`p.stream()`) in every tier: items in order, the
 * plugin never pulled past the window, `break` reaching the generator's
 * `finally`, and every way a stream can fail, typed.
 */
import assert from "node:assert/strict";
import {
  createHost,
  PluginCallError,
  PluginCrashedError,
  PluginTimeoutError,
  type Variable,
} from "../mod.ts";
import { tempPlugin } from "./_helpers.ts";
import { COUNT } from "./_talk_back_plugin.ts";

const TIERS = ["process", "worker", "inline"] as const;

const PLUGIN = `import { variable } from "@sandplug/host/plugin";
export const produced = variable(0);
export const cleaned = variable(false);
${COUNT}
export async function* failAfter(n) {
  for (let i = 1; i <= n; i++) yield i;
  throw new RangeError("ran out");
}
export async function* stall() {
  yield "first";
  await new Promise(() => {});
}
export async function* exitAfterOne() {
  yield 1;
  // Later than the item's batch: delivering what a plugin produced before it dies is issue 13's.
  await new Promise((resolve) => setTimeout(resolve, 50));
  Deno.exit(3);
}
export function readable() {
  return new ReadableStream({
    start(controller) {
      for (const word of ["a", "b", "c"]) controller.enqueue(word);
      controller.close();
    },
  });
}
export const notAStream = () => 42;
`;

async function collect(stream: ReadableStream<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

for (const tier of TIERS) {
  Deno.test(`${tier} tier: p.stream() reads a plugin's async iterable`, async (t) => {
    await using fixture = await tempPlugin({}, PLUGIN);
    await using host = createHost({ isolation: tier });
    const p = await host.load(fixture.dir);
    const produced = p.lookup<Variable<number>>("produced");
    const cleaned = p.lookup<Variable<boolean>>("cleaned");

    await t.step("items arrive in order, and the stream closes at the end", async () => {
      assert.deepEqual(await collect(p.stream("count", [5])), [1, 2, 3, 4, 5]);
      assert.deepEqual(await collect(p.stream("readable")), ["a", "b", "c"]);
      assert.deepEqual(await collect(p.stream("count", [0])), []);
    });

    await t.step("backpressure: the plugin is not pulled past the window", async () => {
      await cleaned.set(false);
      const reader = p.stream("count", [1_000_000], { window: 4 }).getReader();
      assert.deepEqual(await reader.read(), { done: false, value: 1 });
      await new Promise((resolve) => setTimeout(resolve, 150));
      // One read, plus the window: at most 5 items made.
      assert.ok((await produced.get()) <= 5, `produced ${await produced.get()}`);
      await reader.cancel();
      assert.equal(await cleaned.get(), true);
    });

    await t.step("break in for await runs the generator's finally before it settles", async () => {
      await cleaned.set(false);
      const seen: unknown[] = [];
      for await (const item of p.stream("count", [1_000])) {
        seen.push(item);
        if (seen.length === 3) break;
      }
      assert.deepEqual(seen, [1, 2, 3]);
      assert.equal(await cleaned.get(), true);
    });

    await t.step(
      "a throw in the generator errors the stream after the items before it",
      async () => {
        const items: unknown[] = [];
        await assert.rejects(
          (async () => {
            for await (const item of p.stream("failAfter", [2])) items.push(item);
          })(),
          (error: unknown) => {
            assert.ok(error instanceof PluginCallError);
            assert.equal(error.remoteName, "RangeError");
            assert.match(error.message, /ran out/);
            return true;
          },
        );
        assert.deepEqual(items, [1, 2]);
      },
    );

    await t.step("an item that does not come within timeoutMs: PluginTimeoutError", async () => {
      const reader = p.stream("stall", [], { timeoutMs: 100 }).getReader();
      assert.deepEqual(await reader.read(), { done: false, value: "first" });
      await assert.rejects(reader.read(), PluginTimeoutError);
    });

    await t.step("an abort errors the stream with the signal's reason", async () => {
      const controller = new AbortController();
      const reader = p.stream("stall", [], { signal: controller.signal }).getReader();
      assert.deepEqual(await reader.read(), { done: false, value: "first" });
      const next = reader.read();
      controller.abort(new Error("enough"));
      await assert.rejects(next, /enough/);
    });

    await t.step("a function that returns no stream: PluginCallError (TypeError)", async () => {
      await assert.rejects(collect(p.stream("notAStream")), (error: unknown) => {
        assert.ok(error instanceof PluginCallError);
        assert.match(error.message, /returned number, not an async iterable or ReadableStream/);
        return true;
      });
    });

    await t.step("bad options and names throw at once", () => {
      assert.throws(() => p.stream("count", [1], { window: 0 }), RangeError);
      assert.throws(() => p.stream("produced"), /not a function|function/);
    });
  });
}

for (const tier of ["process", "worker"] as const) {
  Deno.test(`${tier} tier: a crash mid-stream errors it with PluginCrashedError`, async () => {
    await using fixture = await tempPlugin({}, PLUGIN);
    await using host = createHost({ isolation: tier });
    const p = await host.load(fixture.dir);
    const items: unknown[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of p.stream("exitAfterOne")) items.push(item);
      })(),
      PluginCrashedError,
    );
    assert.deepEqual(items, [1]);
  });
}

Deno.test("closing a plugin errors its open streams", async () => {
  await using fixture = await tempPlugin({}, PLUGIN);
  await using host = createHost();
  const p = await host.load(fixture.dir);
  const reader = p.stream("stall").getReader();
  assert.deepEqual(await reader.read(), { done: false, value: "first" });
  const next = assert.rejects(reader.read(), /closed/);
  await p.close();
  await next;
});
