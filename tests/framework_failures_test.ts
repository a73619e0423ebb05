/**
 * The failure policies of the extension points, run against every tier
 * with the same plugin folder: a plugin that throws, times out, returns a
 * wrong kind of value or crashes mid-run gives a typed, reported outcome
 * under `onError: "fail"` and `"skip"`, and the run always settles.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  ExtensionPointError,
  PluginCallError,
  PluginClosedError,
  PluginCrashedError,
  PluginTimeoutError,
  point,
  ValidationError,
} from "@sandplug/host";
import {
  frameworkOf,
  type Node,
  nodes,
  type Pod,
  pod,
  type Row,
  tableInEveryTier,
} from "./_framework.ts";

const ROWS: Row[] = [
  {
    name:
      'onError "fail": a throwing plugin rejects the run with an error naming it, at every kind',
    async run(plugin) {
      const fw = frameworkOf(
        plugin,
        {
          queue: point.sort<Pod>(),
          filter: point.filter<Pod, Node>(),
          score: point.score<Pod, Node>(),
          bind: point.first<Pod, Node>(),
        },
        { queue: "cursed", filter: ["fit", "cursed"], score: ["cursed"], bind: ["cursed"] },
        {
          fit: { filter: "fits" },
          cursed: {
            queue: "cursedLess",
            filter: "cursedFilter",
            score: "cursedScore",
            bind: "cursedFirst",
          },
        },
      );
      const expect = (point: string, index?: number) => (error: unknown) => {
        assert.ok(error instanceof ExtensionPointError, String(error));
        assert.deepEqual([error.point, error.plugin, error.index], [point, "cursed", index]);
        assert.ok(error.cause instanceof PluginCallError);
        assert.match(error.message, /cursed/);
        return true;
      };
      const pods = [0, 1, 2, 3, 4].map((priority) => pod(1, priority));
      await assert.rejects(fw.run("queue", pods), expect("queue"));
      await assert.rejects(fw.run("filter", pod(2), nodes(8)), expect("filter", 3));
      await assert.rejects(fw.run("score", pod(1), nodes(8)), expect("score", 3));
      await assert.rejects(fw.run("bind", pod(1), nodes(1)[0]), expect("bind"));
      const metrics = fw.metrics();
      assert.deepEqual([metrics.score.cursed.errors, metrics.score.cursed.skips], [1, 0]);
    },
  },
  {
    name: 'onError "skip": a throwing plugin is left out of the run, in its skips and the metrics',
    async run(plugin) {
      const onError = "skip";
      const fw = frameworkOf(
        plugin,
        {
          queue: point.sort<Pod>({ onError }),
          filter: point.filter<Pod, Node>({ onError }),
          score: point.score<Pod, Node>({ onError }),
          bind: point.first<Pod, Node>({ onError }),
        },
        {
          queue: "cursed",
          filter: ["cursed", "fit"],
          score: ["cursed", "spread"],
          bind: ["cursed", "ok"],
        },
        {
          fit: { filter: "fits" },
          spread: { score: "spread" },
          ok: { bind: "accept" },
          cursed: {
            queue: "cursedLess",
            filter: "cursedFilter",
            score: "cursedScore",
            bind: "cursedFirst",
          },
        },
      );
      const cluster = nodes(8);
      const pods = [0, 1, 2, 3, 4].map((priority) => pod(1, priority));
      const sorted = await fw.run("queue", pods);
      assert.deepEqual(sorted, pods); // left unsorted
      assert.deepEqual(sorted.skips.map((s) => [s.plugin, s.error.point]), [["cursed", "queue"]]);

      const filtered = await fw.run("filter", pod(3), cluster);
      assert.deepEqual(filtered.passed, cluster.filter((n) => n.cpu >= 3));
      assert.deepEqual(filtered.failed.map((f) => f.plugin), ["fit", "fit"]);
      assert.equal(filtered.skips[0].plugin, "cursed");
      assert.ok(filtered.skips[0].error instanceof ExtensionPointError);

      const ranked = await fw.run("score", pod(1), cluster);
      assert.deepEqual(ranked[0].byPlugin, { spread: 10 });
      assert.deepEqual(ranked.skips.map((s) => [s.plugin, s.error.index]), [["cursed", 3]]);

      const bound = await fw.run("bind", pod(1), cluster[0]);
      assert.ok("plugin" in bound);
      assert.deepEqual([bound.plugin, bound.value], ["ok", "accepted pod-1-0"]);
      assert.deepEqual(bound.skips.map((s) => [s.plugin, s.error.point]), [["cursed", "bind"]]);
      const metrics = fw.metrics();
      for (const name of ["queue", "filter", "score", "bind"]) {
        assert.ok(metrics[name].cursed.skips >= 1, name);
        assert.ok(metrics[name].cursed.errors >= 1, name);
      }
      assert.deepEqual([metrics.score.spread.errors, metrics.score.spread.skips], [0, 0]);
    },
  },
  {
    name: "a deadline passed fails the plugin like a throw; a wrong kind of value too",
    async run(plugin) {
      const fw = frameworkOf(
        plugin,
        {
          slow: point.score<Pod, Node>({ timeoutMs: 100 }),
          odd: point.filter<Pod, Node>({ onError: "skip" }),
        },
        { slow: ["stuck"], odd: ["numbers"] },
        { stuck: { slow: "hang" }, numbers: { odd: "numberFilter" } },
      );
      await assert.rejects(fw.run("slow", pod(1), nodes(3)), (error: unknown) => {
        assert.ok(error instanceof ExtensionPointError);
        assert.ok(error.cause instanceof PluginTimeoutError);
        return true;
      });
      const { passed, skips } = await fw.run("odd", pod(1), nodes(3));
      assert.equal(passed.length, 3);
      assert.ok(skips[0].error.cause instanceof TypeError);
      assert.match(skips[0].error.message, /returned 42; a filter returns nothing/);
    },
  },
  {
    name: "a subject or an item that may not cross fails its calls with the same ValidationError",
    async run(plugin) {
      const fw = frameworkOf(
        plugin,
        {
          filter: point.filter<Pod, Node>(),
          score: point.score<Pod, Node>({ onError: "skip" }),
        },
        { filter: ["fit"], score: ["free", "spread"] },
        { fit: { filter: "fits" }, free: { score: "free" }, spread: { score: "spread" } },
      );
      const refused = (path: string) => (error: unknown) => {
        assert.ok(error instanceof ExtensionPointError, String(error));
        assert.ok(error.cause instanceof ValidationError, String(error.cause));
        assert.equal(error.cause.path, path);
        return true;
      };
      const withHook = { ...pod(1), hook: () => {} } as Pod;
      await assert.rejects(fw.run("filter", withHook, nodes(3)), refused("args[0].hook"));
      // The second item is an instance of a class: the calls before it were made, none after.
      const cluster: Node[] = nodes(4);
      cluster[1] = new (class Machine {
        id = 1;
        name = "node-1";
        cpu = 4;
        pods = 0;
      })();
      await assert.rejects(fw.run("filter", pod(1), cluster), (error: unknown) => {
        refused("args[1]")(error);
        assert.equal((error as ExtensionPointError).index, 1);
        return true;
      });
      // Deeper in an item, and under "skip": every plugin is left out, with where and what.
      const deep = nodes(2).map((node) => ({ ...node, labels: { zone: { name: Symbol("a") } } }));
      const ranked = await fw.run("score", pod(1), deep);
      assert.deepEqual(ranked.skips.map((skip) => skip.plugin), ["free", "spread"]);
      for (const skip of ranked.skips) {
        assert.ok(skip.error.cause instanceof ValidationError);
        assert.equal(skip.error.cause.path, "args[1].labels.zone.name");
      }
      const metrics = fw.metrics();
      // The subject fails each of its 3 calls; the class instance fails its own, and the calls stop.
      assert.deepEqual([metrics.filter.fit.errors, metrics.score.free.skips], [4, 1]);
    },
  },
  {
    name: "a plugin closed between runs fails the next with PluginClosedError",
    async run(_plugin, fresh) {
      const plugin = await fresh();
      const fw = frameworkOf(
        plugin,
        { filter: point.filter<Pod, Node>() },
        { filter: ["fit"] },
        { fit: { filter: "fits" } },
      );
      assert.equal((await fw.run("filter", pod(2), nodes(4))).passed.length, 3);
      await plugin.close();
      await assert.rejects(fw.run("filter", pod(2), nodes(4)), (error: unknown) => {
        assert.ok(error instanceof ExtensionPointError);
        assert.ok(error.cause instanceof PluginClosedError, String(error.cause));
        return true;
      });
    },
  },
  {
    name: "a crash mid-run settles the run: rejected under fail, the plugin skipped under skip",
    skip: { inline: "an inline plugin shares the host's isolate: it cannot crash apart from it" },
    async run(_plugin, fresh) {
      for (const onError of ["fail", "skip"] as const) {
        const fw = frameworkOf(
          await fresh(),
          { score: point.score<Pod, Node>({ onError }) },
          { score: ["crashy", "spread"] },
          { crashy: { score: "crashAt" }, spread: { score: "spread" } },
        );
        const run = fw.run("score", pod(1), nodes(20));
        if (onError === "fail") {
          await assert.rejects(run, (error: unknown) => {
            assert.ok(error instanceof ExtensionPointError);
            assert.equal(error.plugin, "crashy");
            assert.ok(error.cause instanceof PluginCrashedError, String(error.cause));
            return true;
          });
        } else {
          const ranked = await run;
          assert.equal(ranked.length, 20);
          assert.ok(ranked.skips[0].error.cause instanceof PluginCrashedError);
          assert.deepEqual(Object.keys(ranked[0].byPlugin), ["spread"]);
        }
      }
    },
  },
];

tableInEveryTier("a plugin's failures at the framework's points are reported alike", ROWS);
