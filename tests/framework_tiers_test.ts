/**
 * A behaviour table of the extension-point framework run against every tier
 * with the same plugin folder: sort order, filters in the profile's order,
 * weights and normalize, first-wins, and calls pipelined within a bound.
 * Failures are in `framework_failures_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { point } from "@sandplug/host";
import {
  frameworkOf,
  type Node,
  nodes,
  type Pod,
  pod,
  type Row,
  tableInEveryTier,
} from "./_framework.ts";

/** What the test expects of fits/untainted: the first failing check, in profile order. */
function verdict(p: Pod, node: Node): [string, string] | undefined {
  if (p.cpu > node.cpu) return ["fit", `cpu ${node.cpu} < ${p.cpu}`];
  if (node.taint !== undefined && !p.tolerates.includes(node.taint)) {
    return ["taints", `taint ${node.taint}`];
  }
  return undefined;
}

const ROWS: Row[] = [
  {
    name: "sort returns a sorted copy by less(), stable for ties",
    async run(plugin) {
      const fw = frameworkOf(plugin, { queue: point.sort<Pod>() }, { queue: "prio" }, {
        prio: { queue: "byPriority" },
      });
      const pods = [1, 2, 1, 2, 0, 3, 1].map((priority, i) => ({ ...pod(i, priority) }));
      const sorted = await fw.run("queue", pods);
      assert.notEqual(sorted, pods);
      assert.deepEqual(sorted.map((p) => p.cpu), [5, 1, 3, 0, 2, 6, 4]);
      assert.deepEqual(pods.map((p) => p.cpu), [0, 1, 2, 3, 4, 5, 6]);
      assert.deepEqual(sorted.skips, []);
    },
  },
  {
    name: "filter needs every plugin to pass; a rejection names the first plugin that rejected",
    async run(plugin) {
      const fw = frameworkOf(
        plugin,
        { filter: point.filter<Pod, Node>() },
        { filter: ["fit", "taints"] },
        { fit: { filter: "fits" }, taints: { filter: "untainted" } },
      );
      const cluster = nodes(24);
      const subject = pod(4);
      const { passed, failed, skips } = await fw.run("filter", subject, cluster);
      assert.deepEqual(passed, cluster.filter((node) => verdict(subject, node) === undefined));
      const expected = cluster.flatMap((item) => {
        const v = verdict(subject, item);
        return v === undefined ? [] : [{ item, plugin: v[0], reason: v[1] }];
      });
      assert.deepEqual(failed, expected);
      assert.deepEqual(skips, []);
      // The taint filter is called only about the nodes the fit filter passed.
      const metrics = fw.metrics().filter;
      assert.equal(metrics.fit.calls, 24);
      assert.equal(metrics.taints.calls, cluster.filter((n) => n.cpu >= 4).length);
    },
  },
  {
    name: "score is the weighted sum of normalized scores, best first, with each plugin's part",
    async run(plugin) {
      const fw = frameworkOf(
        plugin,
        { score: point.score<Pod, Node>({ normalize: true }) },
        { score: [{ plugin: "fit", weight: 2 }, "spread"] },
        { fit: { score: "free" }, spread: { score: "spread" } },
      );
      const cluster = nodes(10).filter((node) => node.cpu >= 2);
      const ranked = await fw.run("score", pod(2), cluster);
      const maxFree = Math.max(...cluster.map((n) => n.cpu - 2));
      const maxSpread = Math.max(...cluster.map((n) => 10 - n.pods));
      const expected = cluster.map((item) => {
        const fit = ((item.cpu - 2) * 100) / maxFree;
        const spread = ((10 - item.pods) * 100) / maxSpread;
        return { item, score: 2 * fit + spread, byPlugin: { fit, spread } };
      }).sort((a, b) => b.score - a.score);
      assert.deepEqual(ranked, expected);
      assert.ok(ranked.every((entry, i) => i === 0 || ranked[i - 1].score >= entry.score));
    },
  },
  {
    name: "first: the first plugin that does not return undefined wins; none winning is skipped",
    async run(plugin) {
      const fw = frameworkOf(
        plugin,
        { bind: point.first<Pod, Node, string>() },
        { bind: ["none", "even"] },
        { none: { bind: "decline" }, even: { bind: "bindEven" } },
      );
      const [zero, one] = nodes(2);
      assert.deepEqual(await fw.run("bind", pod(1), zero), {
        plugin: "even",
        value: "pod-1-0@node-0",
        skips: [],
      });
      assert.deepEqual(await fw.run("bind", pod(1), one), { skipped: true, skips: [] });
      assert.deepEqual(fw.metrics().bind.none.calls, 2);
    },
  },
  {
    name: "a plugin's calls over 100 items go out together, and within the point's concurrency",
    async run(plugin) {
      const fw = frameworkOf(
        plugin,
        { many: point.score<Pod, Node>(), bounded: point.score<Pod, Node>({ concurrency: 10 }) },
        { many: ["counted"], bounded: ["slow"] },
        { counted: { many: "counted" }, slow: { bounded: "slow" } },
      );
      await fw.run("many", pod(1), nodes(100));
      await new Promise((resolve) => setTimeout(resolve, 20)); // the plugin's count of the batch
      assert.deepEqual(await plugin.call("batchSizes"), [100]);
      await fw.run("bounded", pod(1), nodes(40));
      const most = await plugin.call("mostInFlight") as number;
      if (plugin.isolation === "inline") assert.equal(most, 40); // no bound is needed inline
      else assert.equal(most, 10);
    },
  },
];

tableInEveryTier("the framework's points behave alike", ROWS);
