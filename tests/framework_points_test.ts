/**
 * The semantics of each kind of point in detail, with compiled-in plugins:
 * stability, weights without and with normalize, first-wins, cancellation;
 * and the metrics and their fixed-memory histogram.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  createFramework,
  createHost,
  ExtensionPointError,
  type Plugin,
  type PluginModule,
  point,
} from "@sandplug/host";
import { LatencyHistogram } from "../src/framework/metrics.ts";
import { generator } from "./_helpers.ts";

/** Registers `module` under `name` on a fresh host and loads it (inline tier). */
async function inline(name: string, module: PluginModule): Promise<Plugin & AsyncDisposable> {
  const host = createHost();
  host.register(name, module);
  const plugin = await host.load(name);
  return Object.assign(plugin, { [Symbol.asyncDispose]: () => host.close() });
}

Deno.test("a sort point is stable: items neither goes before keep their order", async () => {
  await using plugin = await inline("by-rank", {
    less: (a: { rank: number }, b: { rank: number }) => a.rank < b.rank,
  });
  const fw = createFramework({
    points: { queue: point.sort<{ rank: number; id: number }>({ concurrency: 4 }) },
    profile: { queue: "by-rank" },
  });
  fw.use(plugin, { extends: { queue: "less" } });
  const random = generator(7);
  const items = Array.from({ length: 300 }, (_, id) => ({ rank: Math.floor(random() * 10), id }));
  const expected = [...items].sort((a, b) => a.rank - b.rank); // Array.prototype.sort is stable
  assert.deepEqual(await fw.run("queue", items), expected);
  assert.deepEqual(await fw.run("queue", []), []);
});

Deno.test("a score point weighs raw scores, or normalized ones, or a normalize of its own", async (t) => {
  await using plugin = await inline("scores", {
    double: (_: unknown, n: number) => 2 * n,
    flat: () => 0,
    negative: (_: unknown, n: number) => -n,
  });
  const items = [1, 2, 3];
  const run = async (options: Parameters<typeof point.score>[0], map: string, weight = 3) => {
    const fw = createFramework({
      points: { score: point.score<null, number>(options) },
      profile: { score: [{ plugin: "scores", weight }] },
    });
    fw.use(plugin, { extends: { score: map } });
    return await fw.run("score", null, items);
  };
  await t.step("raw scores, weighted", async () => {
    assert.deepEqual((await run({}, "double")).map((s) => [s.item, s.score, s.byPlugin.scores]), [
      [3, 18, 6],
      [2, 12, 4],
      [1, 6, 2],
    ]);
  });
  await t.step("normalize: true scales by the largest; all zero stays zero", async () => {
    const scaled = await run({ normalize: true }, "double", 1);
    assert.deepEqual(scaled.map((s) => Math.round(s.score)), [100, 67, 33]);
    assert.deepEqual((await run({ normalize: true }, "flat")).map((s) => s.score), [0, 0, 0]);
  });
  await t.step(
    "normalize: true fails a plugin that gives a negative score, naming the item",
    async () => {
      await assert.rejects(run({ normalize: true }, "negative"), (error: unknown) => {
        assert.ok(error instanceof ExtensionPointError);
        assert.ok(error.cause instanceof RangeError);
        assert.match(error.message, /score of item 0 is -1/);
        return true;
      });
    },
  );
  await t.step("a normalize of the point's own, checked to give one number per item", async () => {
    const reverse = (scores: readonly number[]) => scores.map((s) => 100 - s);
    assert.deepEqual((await run({ normalize: reverse }, "double", 1)).map((s) => s.score), [
      98,
      96,
      94,
    ]);
    const short = await run({ normalize: () => [1], onError: "skip" }, "double");
    assert.match(short.skips[0].error.message, /returned 1 values for 3 scores/);
    assert.deepEqual(short.map((s) => s.score), [0, 0, 0]);
  });
});

Deno.test("a first point takes null as a value; only undefined skips", async () => {
  await using plugin = await inline("binder", { none: () => undefined, nil: () => null });
  const fw = createFramework({
    points: { bind: point.first<string, string, null>() },
    profile: { bind: ["none", "nil"] },
  });
  fw.use(plugin, { name: "none", extends: { bind: "none" } });
  fw.use(plugin, { name: "nil", extends: { bind: "nil" } });
  assert.deepEqual(await fw.run("bind", "pod", "node"), { plugin: "nil", value: null, skips: [] });
});

Deno.test("a run's signal stops it with the signal's reason, not as a plugin's failure", async () => {
  await using plugin = await inline("stuck", { hang: () => new Promise(() => {}) });
  const fw = createFramework({
    points: { score: point.score({ onError: "skip" }) },
    profile: { score: ["stuck"] },
  });
  fw.use(plugin, { extends: { score: "hang" } });
  const stop = new Error("stop");
  await assert.rejects(fw.run("score", 1, [1, 2], { signal: AbortSignal.abort(stop) }), stop);
  const controller = new AbortController();
  const running = fw.run("score", 1, [1, 2], { signal: controller.signal });
  setTimeout(() => controller.abort(stop), 20);
  await assert.rejects(running, stop);
});

Deno.test("metrics() counts runs, calls, errors and skips per point and plugin", async () => {
  await using plugin = await inline("mixed", {
    ok: () => 1,
    odd: (_: unknown, n: number) => {
      if (n % 2 === 1) throw new Error("odd");
      return 1;
    },
  });
  const fw = createFramework({
    points: { score: point.score({ onError: "skip" }) },
    profile: { score: ["ok", "odd"] },
  });
  fw.use(plugin, { name: "ok", extends: { score: "ok" } });
  fw.use(plugin, { name: "odd", extends: { score: "odd" } });
  assert.deepEqual(fw.metrics(), {});
  await fw.run("score", null, [0, 2, 4]);
  await fw.run("score", null, [0, 1, 2]);
  const { ok, odd } = fw.metrics().score;
  assert.deepEqual([ok.runs, ok.calls, ok.errors, ok.skips], [2, 6, 0, 0]);
  // Inline, a synchronous function answers at once: after the odd one fails, no call goes out.
  assert.deepEqual([odd.runs, odd.calls, odd.errors, odd.skips], [2, 5, 1, 1]);
  assert.ok(ok.p50Ms >= 0 && ok.p99Ms >= ok.p50Ms);
});

Deno.test("the latency histogram keeps fixed memory and quantiles within 3%", () => {
  const histogram = new LatencyHistogram();
  assert.ok(Number.isNaN(histogram.quantile(0.5)));
  for (let round = 0; round < 100; round++) {
    for (let ms = 1; ms <= 1000; ms++) histogram.record(ms / 10);
  }
  assert.equal(histogram.count, 100_000);
  const near = (value: number, expected: number) =>
    assert.ok(Math.abs(value - expected) / expected <= 0.03, `${value} vs ${expected}`);
  near(histogram.quantile(0.5), 50);
  near(histogram.quantile(0.99), 99);
  assert.equal(histogram.quantile(1), 100); // clamped to the largest sample
  histogram.record(-1);
  histogram.record(1e9);
  assert.equal(histogram.quantile(0), 0);
});

Deno.test("run() refuses a missing point name, missing items and a signal that is not one", async () => {
  await using plugin = await inline("checks", { pass: () => null });
  const fw = createFramework({
    points: { filter: point.filter<string, number>() },
    profile: { filter: ["checks"] },
  });
  fw.use(plugin, { extends: { filter: "pass" } });
  const untyped = fw.run.bind(fw) as (...args: unknown[]) => Promise<unknown>;
  await assert.rejects(untyped(), /its name must be a string, one of "filter"/);
  await assert.rejects(
    untyped("filter", "subject"),
    /its items must be an array; current value is undefined \(pass the items/,
  );
  await assert.rejects(
    fw.run("filter", "subject", [1], { signal: "x" as never }),
    /options\.signal must be an AbortSignal; current value is x/,
  );
  assert.deepEqual((await fw.run("filter", "subject", [1, 2])).passed, [1, 2]);
});
