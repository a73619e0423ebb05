/**
 * The public interface of an extension-point framework and its options.
 *
 * @module
 */
import type { FrameworkMetrics } from "./metrics.ts";
import type { FrameworkPlugin, UseOptions } from "./members.ts";
import type { Point } from "./points.ts";
import type { Profile } from "./profile.ts";
import type { RunArgs, RunResult } from "./results.ts";

/** Options of `createFramework()`. */
export interface FrameworkOptions<P extends Record<string, Point>> {
  /** The extension points by name, made with `point.sort()`, `point.filter()`, `point.score()`, `point.first()`. */
  points: P;
  /** Which plugins each point runs, in order, and each score plugin's weight. */
  profile: Profile<P>;
}

/** An extension-point framework made by `createFramework()`. */
export interface Framework<P extends Record<string, Point>> {
  /** Its points. */
  readonly points: Readonly<P>;
  /** The names of the plugins in use, in the order they were used. */
  readonly plugins: readonly string[];
  /**
   * Puts a loaded plugin (any tier) to use at the points its `extends` map
   * (point → function) names: its manifest's, or `options.extends`.
   *
   * @param plugin What `host.load()` returned.
   * @param options The `extends` map, for a compiled-in plugin or to replace the manifest's; another name.
   * @throws {FrameworkProfileError} When the map names a point the framework lacks or a function the plugin does not export, the profile lists the plugin at a point the map leaves out, or the name is in use.
   * @throws {TypeError} When `plugin` is not a loaded plugin.
   *
   * @example Use a plugin folder's manifest map, and give a compiled-in plugin one
   * ```ts
   * import { createFramework, createHost, point } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * await Deno.writeTextFile(`${dir}/plugin.json`, JSON.stringify({
   *   name: "even",
   *   version: "1.0.0",
   *   extends: { filter: "keepEven" },
   * }));
   * await Deno.writeTextFile(
   *   `${dir}/mod.ts`,
   *   `export const keepEven = (_: null, n: number) => n % 2 === 0 ? undefined : "odd";`,
   * );
   * await using host = createHost({ isolation: "process" });
   * host.register("small", { below: (_: null, n: number) => (n < 5 ? null : "too big") });
   * const fw = createFramework({
   *   points: { filter: point.filter<null, number>() },
   *   profile: { filter: ["even", "small"] },
   * });
   * fw.use(await host.load(dir)); // its plugin.json maps "filter" to keepEven
   * fw.use(await host.load("small"), { extends: { filter: "below" } });
   * assert.deepEqual((await fw.run("filter", null, [1, 2, 3, 4, 6])).passed, [2, 4]);
   * ```
   */
  use(plugin: FrameworkPlugin, options?: UseOptions): void;
  /**
   * Runs a point with the profile's plugins. A sort point takes `(items)`;
   * a filter or score point `(subject, items)`; a first point
   * `(subject, item)`; each may end with `{ signal }`.
   *
   * @param point The point's name.
   * @param args Its subject and items, as above.
   * @returns A sorted copy; `{ passed, failed, skips }`; the items scored, best first; or `{ plugin, value }` / `{ skipped: true }`.
   * @throws {FrameworkProfileError} When the point does not exist, a sort point has no plugin, or the profile lists a plugin not in use.
   * @throws {ExtensionPointError} When a plugin fails and the point's `onError` is `"fail"`.
   * @throws {TypeError} When the items are not an array.
   *
   * @example Sort a queue, then pick the first binder that takes the pod
   * ```ts
   * import { createFramework, createHost, ExtensionPointError, point } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * type Pod = { name: string; priority: number };
   * await using host = createHost();
   * host.register("queue", { less: (a: Pod, b: Pod) => a.priority > b.priority });
   * host.register("binder", {
   *   busy: () => undefined,
   *   bind: (pod: Pod, node: string) => `${pod.name} → ${node}`,
   *   broken: () => {
   *     throw new Error("no API server");
   *   },
   * });
   * const fw = createFramework({
   *   points: {
   *     queueSort: point.sort<Pod>(),
   *     bind: point.first<Pod, string, string>(),
   *     fallible: point.first<Pod, string, string>({ onError: "fail" }),
   *   },
   *   profile: { queueSort: "queue", bind: ["busy", "binder"], fallible: ["binder"] },
   * });
   * fw.use(await host.load("queue"), { extends: { queueSort: "less" } });
   * const binder = await host.load("binder");
   * fw.use(binder, { name: "busy", extends: { bind: "busy" } });
   * fw.use(binder, { extends: { bind: "bind", fallible: "broken" } });
   *
   * const pods = [{ name: "a", priority: 1 }, { name: "b", priority: 5 }];
   * assert.deepEqual((await fw.run("queueSort", pods)).map((pod) => pod.name), ["b", "a"]);
   * assert.deepEqual(await fw.run("bind", pods[1], "node-1"), {
   *   plugin: "binder",
   *   value: "b → node-1",
   *   skips: [],
   * });
   * await assert.rejects(fw.run("fallible", pods[1], "node-1"), ExtensionPointError);
   * ```
   */
  run<K extends keyof P & string>(point: K, ...args: RunArgs<P[K]>): Promise<RunResult<P[K]>>;
  /**
   * Each plugin's figures per point: runs, calls, errors, skips, and the
   * median and 99th percentile of its part of a run, in ms.
   *
   * @returns Point name → plugin name → figures; a copy.
   *
   * @example Count a plugin's calls and the runs it was left out of
   * ```ts
   * import { createFramework, createHost, point } from "@sandplug/host";
   * import assert from "node:assert/strict";
   *
   * await using host = createHost();
   * host.register("picky", {
   *   score: (_: null, n: number) => {
   *     if (n === 13) throw new Error("unlucky");
   *     return n;
   *   },
   * });
   * const fw = createFramework({
   *   points: { score: point.score<null, number>({ onError: "skip" }) },
   *   profile: { score: ["picky"] },
   * });
   * fw.use(await host.load("picky"), { extends: { score: "score" } });
   * await fw.run("score", null, [1, 2, 3]);
   * const skipped = await fw.run("score", null, [12, 13]);
   * assert.equal(skipped.skips[0].plugin, "picky");
   *
   * const { runs, calls, errors, skips, p50Ms, p99Ms } = fw.metrics().score.picky;
   * assert.deepEqual([runs, calls, errors, skips], [2, 5, 1, 1]);
   * assert.ok(p50Ms >= 0 && p99Ms >= p50Ms);
   * ```
   */
  metrics(): FrameworkMetrics;
}
