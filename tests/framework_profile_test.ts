/**
 * The profile and the `extends` maps: every mismatch between the profile,
 * the points and the plugins in use fails at `createFramework()`, `use()` or
 * `run()` with a `FrameworkProfileError` naming the point, the plugin and
 * the symbol.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  createFramework,
  createHost,
  FrameworkProfileError,
  ManifestError,
  type Point,
  point,
  type Profile,
} from "@sandplug/host";
import { tempPlugin } from "./_helpers.ts";
import { type Node, nodes, type Pod, pod, schedulerPlugin } from "./_framework.ts";

const POINTS = {
  queue: point.sort<Pod>(),
  filter: point.filter<Pod, Node>(),
  score: point.score<Pod, Node>(),
  bind: point.first<Pod, Node>(),
};

/** Asserts that `error` is a FrameworkProfileError about `point`, `plugin` and `symbol`. */
function profileError(point?: string, plugin?: string, symbol?: string, message?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof FrameworkProfileError, String(error));
    assert.equal(error.code, "FRAMEWORK_PROFILE");
    assert.deepEqual([error.point, error.plugin, error.symbol], [point, plugin, symbol]);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  };
}

Deno.test("createFramework() refuses a profile that does not fit the points", async (t) => {
  const cases: [string, Profile<Record<string, Point>>, ReturnType<typeof profileError>][] = [
    [
      "a point it lacks",
      { sorting: "qos" },
      profileError("sorting", undefined, undefined, /"queue"/),
    ],
    ["a sort point with a list", { queue: ["qos"] as never }, profileError("queue")],
    ["a sort point with an empty name", { queue: "" }, profileError("queue")],
    ["a plugin twice at a point", { filter: ["fit", "fit"] }, profileError("filter", "fit")],
    [
      "a weight that is not positive",
      { score: [{ plugin: "fit", weight: 0 }] },
      profileError("score", "fit", undefined, /weight 0/),
    ],
  ];
  for (const [name, profile, check] of cases) {
    await t.step(name, () => {
      assert.throws(() => createFramework({ points: POINTS, profile }), check);
    });
  }
  await t.step("a point not made with point.*() is a TypeError", () => {
    assert.throws(
      () => createFramework({ points: { filter: { kind: "filter" } as Point }, profile: {} }),
      TypeError,
    );
    assert.throws(
      () => createFramework({ points: POINTS, profile: { filter: "fit" as never } }),
      TypeError,
    );
  });
});

Deno.test("use() refuses an extends map that does not fit the points or the plugin", async (t) => {
  await using host = createHost();
  host.register("fit", { filter: () => undefined, score: () => 1, limit: 3 });
  const plugin = await host.load("fit");
  const fresh = () => createFramework({ points: POINTS, profile: { filter: ["fit"] } });
  await t.step("a point the framework lacks", () => {
    assert.throws(
      () => fresh().use(plugin, { extends: { filter: "filter", sieve: "filter" } }),
      profileError("sieve", "fit", "filter", /"queue", "filter", "score", "bind"/),
    );
    assert.throws(
      () => fresh().use(plugin, { extends: { filter: "filter", sieve: "filter" } }),
      /give the map yourself: fw\.use\(plugin, \{ extends: \{"filter":"filter"\} \}\)/,
    );
  });
  await t.step("a symbol the plugin does not export, or not a function", () => {
    assert.throws(
      () => fresh().use(plugin, { extends: { filter: "Filter" } }),
      profileError("filter", "fit", "Filter", /its functions are "filter", "score"/),
    );
    assert.throws(
      () => fresh().use(plugin, { extends: { filter: "limit" } }),
      profileError("filter", "fit", "limit"),
    );
  });
  await t.step("a point the profile lists it at, which its map leaves out", () => {
    assert.throws(
      () => fresh().use(plugin, { extends: { score: "score" } }),
      profileError("filter", "fit", undefined, /add "filter": "<function>"/),
    );
    // Without a map of its own, a compiled-in plugin has none.
    assert.throws(() => fresh().use(plugin), profileError("filter", "fit"));
  });
  await t.step("a name in use already", () => {
    const fw = fresh();
    fw.use(plugin, { extends: { filter: "filter" } });
    assert.throws(
      () => fw.use(plugin, { extends: { filter: "filter" } }),
      profileError(undefined, "fit"),
    );
    fw.use(plugin, { name: "fit-2", extends: { filter: "filter" } });
    assert.deepEqual(fw.plugins, ["fit", "fit-2"]);
  });
  await t.step("something that is not a loaded plugin is a TypeError", () => {
    assert.throws(() => fresh().use({ name: "fit" } as never), TypeError);
  });
});

Deno.test("run() refuses a point it lacks, a sort point without its plugin, a plugin not in use", async () => {
  await using host = createHost();
  host.register("fit", { filter: () => undefined });
  const fw = createFramework({ points: POINTS, profile: { filter: ["fit", "taints"] } });
  await assert.rejects(fw.run("sieve" as "filter", pod(1), []), profileError("sieve"));
  await assert.rejects(
    fw.run("queue", []),
    profileError("queue", undefined, undefined, /no plugin/),
  );
  fw.use(await host.load("fit"), { extends: { filter: "filter" } });
  await assert.rejects(
    fw.run("filter", pod(1), nodes(2)),
    profileError("filter", "taints", undefined, /not in use/),
  );
  await assert.rejects(fw.run("filter", pod(1), "nodes" as never), TypeError);
  // A point the profile leaves out runs no plugin.
  assert.deepEqual(await fw.run("score", pod(1), nodes(1)), [
    { item: nodes(1)[0], score: 0, byPlugin: {} },
  ]);
  assert.deepEqual(await fw.run("bind", pod(1)), { skipped: true, skips: [] });
});

Deno.test("a plugin folder's extends map is its manifest's, unless use() gives another", async () => {
  await using folder = await schedulerPlugin({ extends: { filter: "fits", score: "spread" } });
  await using host = createHost();
  const plugin = await host.load(folder.dir, { isolation: "worker" });
  assert.deepEqual(
    (plugin.manifest as { extends?: Record<string, string> }).extends,
    { filter: "fits", score: "spread" },
  );
  const fw = createFramework({ points: POINTS, profile: { filter: ["sched"], score: ["sched"] } });
  fw.use(plugin);
  const { passed } = await fw.run("filter", pod(4), nodes(8));
  assert.deepEqual(passed.map((node) => node.cpu), [4, 5, 6, 7, 8]);
  assert.deepEqual((await fw.run("score", pod(1), nodes(2)))[0].byPlugin, { sched: 10 });

  const other = createFramework({ points: POINTS, profile: { filter: ["sched"] } });
  other.use(plugin, { extends: { filter: "untainted" } });
  assert.equal((await other.run("filter", pod(4), nodes(8))).passed.length, 6);
});

Deno.test("a manifest's extends map must name functions", async () => {
  await using folder = await tempPlugin({ extends: { filter: "not a name" } });
  await using host = createHost();
  await assert.rejects(host.load(folder.dir), (error: unknown) => {
    assert.ok(error instanceof ManifestError);
    assert.match(error.message, /extends\.filter.*not the name of an exported function/);
    return true;
  });
});
