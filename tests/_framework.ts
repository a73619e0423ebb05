/**
 * What the framework tests share: a plugin of scheduler functions (and of
 * failures) that runs unchanged in every tier, and a small cluster.
 *
 * @module
 */
import {
  createFramework,
  createHost,
  type Host,
  type IsolationName,
  type Plugin,
  type Point,
  type Profile,
} from "@sandplug/host";
import { type TempPlugin, tempPlugin } from "./_helpers.ts";

/** Every tier, each loading the same plugin folder. */
export const TIERS: readonly IsolationName[] = ["inline", "worker", "process"];

/** A node of the test cluster. */
export interface Node {
  id: number;
  name: string;
  cpu: number;
  pods: number;
  taint?: string;
}

/** A pod to place. */
export interface Pod {
  name: string;
  cpu: number;
  priority: number;
  tolerates: string[];
}

/** The plugin every tier runs, unchanged. */
export const SCHEDULER_PLUGIN = `
type Node = { id: number; name: string; cpu: number; pods: number; taint?: string };
type Pod = { name: string; cpu: number; priority: number; tolerates: string[] };

export function fits(pod: Pod, node: Node): string | undefined {
  return pod.cpu <= node.cpu ? undefined : "cpu " + node.cpu + " < " + pod.cpu;
}
export function untainted(pod: Pod, node: Node): string | null {
  return node.taint === undefined || pod.tolerates.includes(node.taint) ? null : "taint " + node.taint;
}
export function free(pod: Pod, node: Node): number { return node.cpu - pod.cpu; }
export function spread(_pod: Pod, node: Node): number { return 10 - node.pods; }
export function byPriority(a: Pod, b: Pod): boolean { return a.priority > b.priority; }
export function bindEven(pod: Pod, node: Node): string | undefined {
  return node.id % 2 === 0 ? pod.name + "@" + node.name : undefined;
}
export function decline(): undefined { return undefined; }
export function accept(pod: Pod): string { return "accepted " + pod.name; }

export function cursedScore(_pod: Pod, node: Node): number {
  if (node.id === 3) throw new Error("node 3 is cursed");
  return 1;
}
export function cursedFilter(_pod: Pod, node: Node): null {
  if (node.id === 3) throw new Error("node 3 is cursed");
  return null;
}
export function cursedLess(a: Pod, b: Pod): boolean {
  if (a.priority === 3 || b.priority === 3) throw new Error("priority 3 is cursed");
  return a.priority > b.priority;
}
export function cursedFirst(): never { throw new Error("cannot bind"); }
export function hang(): Promise<never> { return new Promise(() => {}); }
export function numberFilter(): number { return 42; }
export function negative(_pod: Pod, node: Node): number { return -node.id; }
export function crashAt(_pod: Pod, node: Node): number | Promise<number> {
  if (node.id === 5) setTimeout(() => { throw new Error("crash mid-run"); }, 5);
  return node.id >= 5 ? new Promise(() => {}) : 1;
}

let batch = 0;
const batches: number[] = [];
export function counted(): number {
  if (batch === 0) setTimeout(() => { batches.push(batch); batch = 0; }, 0);
  batch++;
  return 1;
}
export function batchSizes(): number[] { return batches.splice(0); }

let inFlight = 0;
let most = 0;
export async function slow(): Promise<number> {
  most = Math.max(most, ++inFlight);
  await new Promise((resolve) => setTimeout(resolve, 2));
  inFlight--;
  return 1;
}
export function mostInFlight(): number { const m = most; most = 0; return m; }
`;

/** Writes the scheduler plugin's folder, with `manifest` merged into its plugin.json. */
export function schedulerPlugin(manifest: Record<string, unknown> = {}): Promise<TempPlugin> {
  return tempPlugin({ name: "sched", ...manifest }, SCHEDULER_PLUGIN);
}

/** Loads the plugin folder `dir` in `tier`. */
export function loadIn(host: Host, dir: string, tier: IsolationName): Promise<Plugin> {
  return host.load(dir, { isolation: tier });
}

/** `count` nodes: cpu 1–8 in turn; every third tainted "gpu"; pods 0–4 in turn. */
export function nodes(count: number): Node[] {
  return Array.from({ length: count }, (_, id) => ({
    id,
    name: `node-${id}`,
    cpu: 1 + (id % 8),
    pods: id % 5,
    ...(id % 3 === 2 ? { taint: "gpu" } : {}),
  }));
}

/** A pod of `cpu` cores. */
export function pod(cpu: number, priority = 0, tolerates: string[] = []): Pod {
  return { name: `pod-${cpu}-${priority}`, cpu, priority, tolerates };
}

/** A framework over `points`, using `plugin` under each name with its extends map. */
export function frameworkOf<P extends Record<string, Point>>(
  plugin: Plugin,
  points: P,
  profile: Profile<P>,
  uses: Record<string, Record<string, string>>,
) {
  const fw = createFramework({ points, profile });
  for (const [name, map] of Object.entries(uses)) fw.use(plugin, { name, extends: map });
  return fw;
}

/** One row of a behaviour table run in every tier. */
export interface Row {
  name: string;
  /** Tiers the row cannot run in, and why. */
  skip?: Partial<Record<IsolationName, string>>;
  /** Gets the tier's plugin, and a way to load a fresh one. */
  run(plugin: Plugin, fresh: () => Promise<Plugin>): Promise<void>;
}

/** Runs `rows` as steps of one test per tier, each tier loading the scheduler plugin's folder. */
export function tableInEveryTier(title: string, rows: readonly Row[]): void {
  for (const tier of TIERS) {
    Deno.test(`${title} in the ${tier} tier`, async (t) => {
      await using folder = await schedulerPlugin();
      await using host = createHost();
      const plugin = await loadIn(host, folder.dir, tier);
      const fresh = () => loadIn(host, folder.dir, tier);
      for (const row of rows) {
        const ignore = row.skip?.[tier] !== undefined;
        await t.step({ name: row.name, ignore, fn: () => row.run(plugin, fresh) });
      }
    });
  }
}
