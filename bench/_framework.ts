/**
 * Issue 16's figure: one scheduling cycle of the extension-point framework
 * (`fw.run("filter", pod, nodes)` over 100 nodes, then `fw.run("score", pod,
 * passed)`, normalized) with one plugin (`plugins/node-resources-fit`, its
 * Filter and Score) per tier: compiled in (inline) against the same cycle
 * written by hand with direct function calls, and sandboxed (worker,
 * process) against one round trip of the same tier, and against the cycle
 * with every call awaited in turn (what not pipelining would cost). The
 * readings of its targets not met are in `_framework_readers.ts`.
 *
 * @module
 */
import { createFramework, createHost, type Host, type Plugin, point } from "@sandplug/host";
import * as fit from "../plugins/node-resources-fit/mod.ts";
import { collectGarbage } from "./_collect.ts";
import type { Row, Section, Target } from "./_report.ts";
import { guarded, type Results } from "./_results.ts";
import type { SuiteConfig } from "./_suites.ts";

/** The tiers measured. */
export const FRAMEWORK_TIERS = ["inline", "worker", "process"] as const;
type Tier = typeof FRAMEWORK_TIERS[number];

/** The nodes of a cycle. */
export const NODES = 100;
/** Cycles per sample: the inline and direct ones take microseconds. */
const CYCLES: Record<Tier | "direct", number> = {
  direct: 400,
  inline: 400,
  worker: 40,
  process: 40,
};

const started = performance.now();

function log(text: string): void {
  console.error(`bench: ${Math.round((performance.now() - started) / 1000)} s: framework: ${text}`);
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`Cannot benchmark: ${what}`);
}

/** 100 nodes, a fifth of them too small for the pod. */
const nodes: fit.NodeInfo[] = Array.from({ length: NODES }, (_, i) => ({
  name: `node-${i}`,
  allocatable: { cpu: 4000, memory: 8192 },
  requested: { cpu: i % 5 === 0 ? 3500 : (i * 7 % 10) * 250, memory: (i * 3 % 8) * 512 },
}));
const pod: fit.PodInfo = { name: "web-0", requests: { cpu: 1000, memory: 512 } };
/** How many nodes the filter passes. */
export const PASSING = nodes.filter((node) => fit.Filter(pod, node) === undefined).length;
const BEST = Math.max(...nodes.map((node) => fit.Score(pod, node)));

/** Where every cycle must place the pod: worked out once, outside the timings. */
const EXPECTED = nodes.find((node) => fit.Score(pod, node) === BEST && !fit.Filter(pod, node))
  ?.name;

/** A cycle's outcome, checked the same way for every subject. */
function checked(passed: number, best: string): void {
  check(passed === PASSING && best === EXPECTED, `a cycle placed the pod on ${best}`);
}

/** The cycle by hand: every call an async direct call, those of a point awaited together. */
async function directCycle(): Promise<void> {
  // deno-lint-ignore require-await
  const filter = async (n: fit.NodeInfo) => fit.Filter(pod, n);
  // deno-lint-ignore require-await
  const score = async (n: fit.NodeInfo) => fit.Score(pod, n);
  const verdicts = await Promise.all(nodes.map(filter));
  const passed = nodes.filter((_, i) => verdicts[i] === undefined || verdicts[i] === null);
  const scores = await Promise.all(passed.map(score));
  const largest = Math.max(0, ...scores);
  const ranked = passed.map((item, i) => ({ item, score: (scores[i] * 100) / largest }))
    .sort((a, b) => b.score - a.score);
  checked(passed.length, ranked[0].item.name);
}

/** The cycle by hand through the plugin's `p.lookup()` functions: the framework's own cost left out. */
function byHand(plugin: Plugin): () => Promise<void> {
  type Fn = (pod: fit.PodInfo, node: fit.NodeInfo) => Promise<unknown>;
  const filter = plugin.lookup<Fn>("Filter");
  const score = plugin.lookup<Fn>("Score");
  return async () => {
    const verdicts = await Promise.all(nodes.map((node) => filter(pod, node)));
    const passed = nodes.filter((_, i) => verdicts[i] === undefined || verdicts[i] === null);
    const scores = await Promise.all(passed.map((node) => score(pod, node))) as number[];
    const largest = Math.max(0, ...scores);
    const ranked = passed.map((item, i) => ({ item, score: (scores[i] * 100) / largest }))
      .sort((a, b) => b.score - a.score);
    checked(passed.length, ranked[0].item.name);
  };
}

function frameworkOf(plugin: Plugin) {
  const fw = createFramework({
    points: {
      filter: point.filter<fit.PodInfo, fit.NodeInfo>(),
      score: point.score<fit.PodInfo, fit.NodeInfo>({ normalize: true }),
    },
    profile: { filter: [plugin.name], score: [plugin.name] },
  });
  fw.use(plugin, { extends: { filter: "Filter", score: "Score" } });
  return fw;
}

type Fw = ReturnType<typeof frameworkOf>;

async function frameworkCycle(fw: Fw): Promise<void> {
  const { passed } = await fw.run("filter", pod, nodes);
  const [best] = await fw.run("score", pod, passed);
  checked(passed.length, best.item.name);
}

/** The cycle with every call awaited before the next: what it costs without pipelining. */
async function sequentialCycle(plugin: Plugin): Promise<void> {
  const passed: fit.NodeInfo[] = [];
  for (const node of nodes) {
    if (await plugin.call("Filter", [pod, node]) === undefined) passed.push(node);
  }
  const scores: number[] = [];
  for (const node of passed) scores.push(await plugin.call("Score", [pod, node]) as number);
  checked(passed.length, passed[scores.indexOf(Math.max(...scores))].name);
}

/**
 * µs per cycle, the mean over `count` cycles. For the subjects in the host's
 * own isolate (microseconds a cycle), the garbage of what ran before is
 * collected first; a sandboxed plugin's pause would let its thread sleep.
 */
async function timed(
  count: number,
  cycle: () => Promise<void>,
  inProcess = false,
): Promise<number> {
  if (inProcess) await collectGarbage();
  const start = performance.now();
  for (let i = 0; i < count; i++) await cycle();
  return ((performance.now() - start) * 1000) / count;
}

/** One call of the plugin's Filter about one node, awaited: µs, the mean of `count`. */
function roundTrip(plugin: Plugin, count: number): Promise<number> {
  return timed(count, async () => {
    check(await plugin.call("Filter", [pod, nodes[1]]) === undefined, "Filter refused node-1");
  });
}

async function load(host: Host, tier: Tier): Promise<Plugin> {
  if (tier === "inline") return await host.load("node-resources-fit");
  return await host.load(new URL("../plugins/node-resources-fit", import.meta.url), {
    isolation: tier,
  });
}

/**
 * Times every subject `config.callRuns` times, interleaved run by run, after
 * a warm-up of each.
 */
export async function frameworkSuite(results: Results, config: SuiteConfig): Promise<void> {
  await using host = createHost({ validate: false });
  host.register("node-resources-fit", fit, { version: "1.0.0" });
  const subjects: { tier: Tier; plugin: Plugin; fw: Fw }[] = [];
  for (const tier of FRAMEWORK_TIERS) {
    const keys = tier === "inline"
      ? ["fw:inline", "fw-hand:inline"]
      : [`fw:${tier}`, `fw-rt:${tier}`, `fw-seq:${tier}`];
    await guarded(results, keys, async () => {
      const plugin = await load(host, tier);
      const fw = frameworkOf(plugin);
      await timed(CYCLES[tier], () => frameworkCycle(fw));
      subjects.push({ tier, plugin, fw });
    });
  }
  await timed(CYCLES.direct, directCycle);
  log(`a ${NODES}-node filter + score cycle, ${config.callRuns} runs`);
  for (let run = 0; run < config.callRuns; run++) {
    results.add("fw:direct", await timed(CYCLES.direct, directCycle, true));
    for (const { tier, plugin, fw } of subjects) {
      await guarded(results, [`fw:${tier}`], async () => {
        const inProcess = tier === "inline";
        results.add(`fw:${tier}`, await timed(CYCLES[tier], () => frameworkCycle(fw), inProcess));
      });
      if (tier === "inline") {
        await guarded(results, ["fw-hand:inline"], async () => {
          results.add("fw-hand:inline", await timed(CYCLES.inline, byHand(plugin), true));
        });
        continue;
      }
      await guarded(results, [`fw-rt:${tier}`], async () => {
        results.add(`fw-rt:${tier}`, await roundTrip(plugin, 200));
      });
      await guarded(results, [`fw-seq:${tier}`], async () => {
        results.add(`fw-seq:${tier}`, await timed(2, () => sequentialCycle(plugin)));
      });
    }
  }
}

/** The calls one cycle makes: a Filter per node, a Score per node that passed. */
export const CALLS = NODES + PASSING;

function atMostRatio(limit: number): Target {
  return { text: `≤ ${limit}×`, met: (_value, ratio) => ratio <= limit };
}

function sandboxRows(tier: "worker" | "process"): Row[] {
  const baseline = { baseline: `fw-rt:${tier}`, baselineLabel: "one round trip" };
  return [
    { subject: `sandplug ${tier} tier: one round trip (one Filter call)`, key: `fw-rt:${tier}` },
    {
      subject: `sandplug ${tier} tier: the cycle, pipelined`,
      key: `fw:${tier}`,
      ...baseline,
      target: atMostRatio(4),
    },
    {
      subject: `sandplug ${tier} tier: the cycle, each call awaited in turn (diagnostic)`,
      key: `fw-seq:${tier}`,
      ...baseline,
    },
  ];
}

/** The figure's table: µs per cycle. */
export function frameworkSection(): Section {
  return {
    title: "Extension points: a 100-node filter + score cycle",
    unit: "µs",
    intro: `One scheduling cycle, µs, lower is better: \`fw.run("filter", pod, nodes)\` over ` +
      `${NODES} nodes (${PASSING} pass), then \`fw.run("score", pod, passed)\` with ` +
      `\`normalize: true\`: ${CALLS} calls of one plugin (\`plugins/node-resources-fit\`, its ` +
      "Filter and Score) in each tier. *Direct*: the same cycle by hand, each function called " +
      "as an `async` function in the host, a point's calls awaited together, then the same " +
      "normalize and sort; *by hand through `p.lookup()`* does that with the inline plugin's " +
      "functions, each call checking both its arguments (a run checks the pod once). " +
      "*One round trip*: one `Filter` " +
      "call about one node, awaited. *Each call awaited in turn*: the cycle without " +
      "pipelining. Issue 16 asks the inline tier to stay within 2× of direct calls, and a " +
      "sandboxed plugin's calls over 100 nodes to cost about one round trip per point, not 100: " +
      "the target allows two per point.",
    rows: [
      { subject: "direct async calls, by hand", key: "fw:direct" },
      {
        subject: "sandplug inline tier (compiled in)",
        key: "fw:inline",
        baseline: "fw:direct",
        baselineLabel: "direct",
        target: atMostRatio(2),
      },
      {
        subject: "sandplug inline tier, by hand through `p.lookup()` (diagnostic)",
        key: "fw-hand:inline",
        baseline: "fw:direct",
        baselineLabel: "direct",
      },
      ...sandboxRows("worker"),
      ...sandboxRows("process"),
    ],
  };
}
