/**
 * A Kubernetes-style scheduling cycle on sandplug's extension points:
 * 50 pods placed on 100 nodes by four plugins side by side. The queue sort
 * (`plugins/qos-sort`) and the taint filter (`plugins/taint-toleration`) are
 * third-party, each sandboxed in the default (process) tier; the spread score
 * (`plugins/pod-spread`) too; the resources-fit filter and score
 * (`plugins/node-resources-fit`) are compiled into the host (inline tier).
 * Each pod: filter the nodes, score the ones left, bind to the best. Each
 * plugin's calls over the 100 nodes go out together, so a sandboxed filter
 * costs about one round trip per pod. Prints the placements, then each
 * plugin's metrics; all but the timings is the same on every run.
 *
 * Run: deno run --allow-read=. --allow-run --allow-write=/tmp examples/scheduler.ts
 */
import { createFramework, createHost, point } from "@sandplug/host";
import * as nodeResourcesFit from "../plugins/node-resources-fit/mod.ts";

type QOSClass = "Guaranteed" | "Burstable" | "BestEffort";
interface Pod {
  name: string;
  app: string;
  priority: number;
  qos: QOSClass;
  requests: { cpu: number; memory: number };
  tolerations: { key: string; operator: "Exists"; effect: "NoSchedule" }[];
}
interface Node {
  name: string;
  allocatable: { cpu: number; memory: number };
  requested: { cpu: number; memory: number };
  taints: { key: string; value: string; effect: "NoSchedule" }[];
  apps: Record<string, number>;
}

// Every 4th node is large; every 10th has GPUs and a taint that keeps off pods that do not tolerate
// it. The nodes run some load already, and some run web pods.
const nodes = Array.from({ length: 100 }, (_, i): Node => ({
  name: `node-${String(i).padStart(2, "0")}`,
  allocatable: i % 4 === 0 ? { cpu: 8000, memory: 16384 } : { cpu: 4000, memory: 8192 },
  requested: { cpu: (i * 7 % 10) * 250, memory: (i * 3 % 8) * 512 },
  taints: i % 10 === 9 ? [{ key: "gpu", value: "true", effect: "NoSchedule" }] : [],
  apps: i % 3 === 0 ? { web: 1 + (i % 4) } : {},
}));

const APPS: Omit<Pod, "name" | "tolerations">[] = [
  { app: "db", priority: 1000, qos: "Guaranteed", requests: { cpu: 2000, memory: 4096 } },
  { app: "web", priority: 100, qos: "Burstable", requests: { cpu: 500, memory: 512 } },
  { app: "api", priority: 100, qos: "Guaranteed", requests: { cpu: 1000, memory: 1024 } },
  { app: "batch", priority: 0, qos: "BestEffort", requests: { cpu: 0, memory: 0 } },
  { app: "train", priority: 10, qos: "Burstable", requests: { cpu: 6000, memory: 8192 } },
];
// 50 pods, apps in turn; "train" pods tolerate the GPU taint, and every other one asks too much.
const pods: Pod[] = Array.from({ length: 50 }, (_, i) => {
  const app = APPS[i % APPS.length];
  const big = app.app === "train" && i % 10 === 9;
  return {
    ...app,
    name: `${app.app}-${Math.floor(i / APPS.length)}`,
    requests: big ? { cpu: 12000, memory: 8192 } : app.requests,
    tolerations: app.app === "train"
      ? [{ key: "gpu", operator: "Exists", effect: "NoSchedule" }]
      : [],
  };
});

await using host = createHost();
host.register("node-resources-fit", nodeResourcesFit, { version: "1.0.0" });
const folder = (name: string) => new URL(`../plugins/${name}`, import.meta.url);
const [qos, taints, spread, fit] = await Promise.all([
  host.load(folder("qos-sort")),
  host.load(folder("taint-toleration")),
  host.load(folder("pod-spread")),
  host.load("node-resources-fit"),
]);
for (const plugin of [qos, taints, spread, fit]) {
  console.log(`loaded "${plugin.name}" ${plugin.version} in the ${plugin.isolation} tier`);
}

/** Each score plugin's weight: the score is the weighted sum of the plugins' normalized scores. */
const WEIGHTS = { "node-resources-fit": 2, "pod-spread": 1 };

const fw = createFramework({
  points: {
    queueSort: point.sort<Pod>(),
    filter: point.filter<Pod, Node>({ onError: "fail" }),
    score: point.score<Pod, Node>({ normalize: true }),
  },
  profile: {
    queueSort: "qos-sort",
    filter: ["node-resources-fit", "taint-toleration"],
    score: Object.entries(WEIGHTS).map(([plugin, weight]) => ({ plugin, weight })),
  },
});
// qos-sort's manifest predates "extends", and a compiled-in plugin has no manifest: both get a map.
// (qos-sort's Less holds for two pods of one priority and class, so of those the last queued comes
// first, as in the Kubernetes example it follows.)
fw.use(qos, { extends: { queueSort: "Less" } });
fw.use(fit, { extends: { filter: "Filter", score: "Score" } });
fw.use(taints); // its plugin.json: "extends": { "filter": "Filter" }
fw.use(spread); // its plugin.json: "extends": { "score": "Score" }

console.log("\nplacements, in queue order:");
console.log(
  `  ${"pod".padEnd(9)} prio ${
    "qos".padEnd(10)
  } → node     score = weight × plugin score (0–100) …`,
);
const used = new Set<string>();
let placed = 0;
for (const pod of await fw.run("queueSort", pods)) {
  const label = `${pod.name.padEnd(9)} ${String(pod.priority).padStart(4)} ${pod.qos.padEnd(10)}`;
  const { passed, failed } = await fw.run("filter", pod, nodes);
  if (passed.length === 0) {
    const reasons = Map.groupBy(failed, (rejection) => rejection.reason);
    const why = [...reasons].map(([reason, list]) => `${list.length} × ${reason}`).join("; ");
    console.log(`  ${label} unschedulable: ${why}`);
    continue;
  }
  const [best] = await fw.run("score", pod, passed);
  const node = best.item;
  node.requested.cpu += pod.requests.cpu;
  node.requested.memory += pod.requests.memory;
  node.apps[pod.app] = (node.apps[pod.app] ?? 0) + 1;
  used.add(node.name);
  placed++;
  const parts = Object.entries(best.byPlugin).map(([name, score]) =>
    `${WEIGHTS[name as keyof typeof WEIGHTS]}×${score.toFixed(0)} ${name}`
  );
  console.log(
    `  ${label} → ${node.name}  score ${best.score.toFixed(1).padStart(5)} = ${
      parts.join(" + ")
    } ` +
      `of ${passed.length} nodes`,
  );
}
console.log(`placed ${placed} of ${pods.length} pods on ${used.size} nodes`);

const tiers = new Map([qos, taints, spread, fit].map((plugin) => [plugin.name, plugin.isolation]));
console.log("\nmetrics: each plugin's part of one run (all its calls over the nodes, pipelined)");
const header = ["point", "plugin", "tier", "runs", "calls", "errors", "skips", "p50 ms", "p99 ms"];
const widths = [10, 19, 8, 5, 6, 7, 6, 8, 8];
const row = (cells: string[]) =>
  console.log(
    cells.map((cell, i) => i < 3 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join(" "),
  );
row(header);
for (const [pointName, plugins] of Object.entries(fw.metrics())) {
  for (const [name, m] of Object.entries(plugins)) {
    row([
      pointName,
      name,
      tiers.get(name) ?? "",
      ...[m.runs, m.calls, m.errors, m.skips].map(String),
      m.p50Ms.toFixed(3),
      m.p99Ms.toFixed(3),
    ]);
  }
}
