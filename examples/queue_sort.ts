/**
 * The Kubernetes scheduler framework's QueueSort extension point, with the
 * QoS sort plugin (pod priority first, then QoS class to break ties): once
 * compiled into the host and registered by name (inline tier, no sandbox),
 * and once, unchanged, loaded from its folder into a sandbox: a process, and
 * a worker with the low-latency channel. All order the queue the same way.
 * A sort is chatty (it calls `Less` n log n times, one after another), so
 * the example then times a larger sort in each.
 *
 * Run: DENO_NO_PROMPT=1 deno run --allow-read=. --allow-run --allow-write=/tmp \
 *   --allow-env=DENO_NO_PROMPT examples/queue_sort.ts
 */
import { createHost, defineContract, fn } from "@sandplug/host";
import { z } from "zod";
import * as qosSort from "../plugins/qos-sort/mod.ts";

const pod = z.object({
  name: z.string(),
  priority: z.number().int(),
  qos: z.enum(["Guaranteed", "Burstable", "BestEffort"]),
});
type Pod = z.infer<typeof pod>;
const queueSort = defineContract({
  name: "queue-sort",
  version: "1.0.0",
  symbols: { Less: fn({ args: [pod, pod], returns: z.boolean() }) },
});

/** A stable merge sort whose comparison is asynchronous, as a plugin call is. */
async function sortBy(items: Pod[], less: (a: Pod, b: Pod) => Promise<boolean>): Promise<Pod[]> {
  if (items.length <= 1) return items;
  const middle = Math.floor(items.length / 2);
  const [left, right] = await Promise.all([
    sortBy(items.slice(0, middle), less),
    sortBy(items.slice(middle), less),
  ]);
  const merged: Pod[] = [];
  while (left.length > 0 && right.length > 0) {
    merged.push(await less(right[0], left[0]) ? right.shift()! : left.shift()!);
  }
  return [...merged, ...left, ...right];
}

const queue: Pod[] = [
  { name: "batch-job", priority: 0, qos: "BestEffort" },
  { name: "web", priority: 100, qos: "Burstable" },
  { name: "db", priority: 100, qos: "Guaranteed" },
  { name: "cache", priority: 50, qos: "Guaranteed" },
  { name: "cron", priority: 0, qos: "Burstable" },
  { name: "api", priority: 100, qos: "BestEffort" },
];

await using host = createHost({ plugins: { "qos-sort": qosSort } });
host.register("qos-sort-v1", qosSort, { version: "1.0.0", implements: { "queue-sort": "1.0.0" } });

const compiledIn = await host.load("qos-sort-v1", { contract: queueSort });
const folder = new URL("../plugins/qos-sort", import.meta.url);
const sandboxed = await host.load(folder, { contract: queueSort });
const chatty = await host.load(folder, {
  contract: queueSort,
  isolation: "worker",
  lowLatency: true,
});
const plugins = [compiledIn, sandboxed, chatty];
const label = (plugin: typeof chatty) =>
  `${plugin.isolation}${plugin.lowLatency ? " + low-latency" : ""}`.padEnd(22);

for (const plugin of plugins) {
  const sorted = await sortBy(queue, plugin.lookup("Less"));
  console.log(
    `${label(plugin)}: ${sorted.map((p) => `${p.name}(${p.priority},${p.qos})`).join(" ")}`,
  );
}

const qosClasses = ["Guaranteed", "Burstable", "BestEffort"] as const;
const big: Pod[] = Array.from({ length: 500 }, (_, i) => ({
  name: `pod-${i}`,
  priority: (i * 7919) % 100,
  qos: qosClasses[i % 3],
}));
for (const plugin of plugins) {
  let comparisons = 0;
  const less = plugin.lookup("Less");
  const started = performance.now();
  await sortBy(big, (a, b) => (comparisons++, less(a, b)));
  const perCall = (performance.now() - started) * 1000 / comparisons;
  console.log(`${label(plugin)}: ${comparisons} comparisons, ${perCall.toFixed(1)} µs each`);
}
