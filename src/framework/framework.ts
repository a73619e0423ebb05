/**
 * The extension-point framework: points, a profile, the plugins in use, and
 * `run()`, in the model of the Kubernetes scheduling framework.
 *
 * @module
 */
import { FrameworkProfileError } from "./errors.ts";
import {
  bind,
  type Bound,
  checkPlugin,
  type FrameworkPlugin,
  type Member,
  type UseOptions,
} from "./members.ts";
import type { Framework, FrameworkOptions } from "./framework_interface.ts";
import { type FrameworkMetrics, MetricsRecorder } from "./metrics.ts";
import type { PointRun } from "./point_run.ts";
import {
  type FilterPoint,
  type FirstPoint,
  isPoint,
  type Point,
  type ScorePoint,
  type SortPoint,
} from "./points.ts";
import { checkExtends, checkProfile, type Enabled } from "./profile.ts";
import type { RunArgs, RunOptions, RunResult } from "./results.ts";
import { runFilter } from "./run_filter.ts";
import { runFirst } from "./run_first.ts";
import { runScore } from "./run_score.ts";
import { runSort } from "./run_sort.ts";

interface InUse {
  readonly map: Readonly<Record<string, string>>;
  readonly bound: ReadonlyMap<string, Bound>;
  readonly concurrency: (point: Point) => number;
}

class ExtensionFramework<P extends Record<string, Point>> implements Framework<P> {
  readonly points: Readonly<P>;
  readonly #enabled: Map<string, readonly Enabled[]>;
  readonly #inUse = new Map<string, InUse>();
  readonly #metrics = new MetricsRecorder();

  constructor(options: FrameworkOptions<P>) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create a framework: options must be { points, profile }; current value is ${options}`,
      );
    }
    const { points, profile } = options;
    for (const [name, point] of Object.entries(points ?? {})) {
      if (!isPoint(point)) {
        throw new TypeError(
          `Cannot create a framework: point "${name}" is not a point; make it with point.sort(), ` +
            "point.filter(), point.score() or point.first()",
        );
      }
    }
    this.points = Object.freeze({ ...points });
    this.#enabled = checkProfile(this.points, profile);
  }

  get plugins(): readonly string[] {
    return [...this.#inUse.keys()];
  }

  use(plugin: FrameworkPlugin, options: UseOptions = {}): void {
    checkPlugin(plugin);
    const name = options.name ?? plugin.name;
    if (this.#inUse.has(name)) {
      throw new FrameworkProfileError(
        `Cannot use plugin "${name}": a plugin of that name is in use already; ` +
          "give the second one another name with use(plugin, { name })",
        { plugin: name },
      );
    }
    const map = options.extends ?? plugin.manifest.extends ?? {};
    if (typeof map !== "object" || map === null) {
      throw new TypeError(
        `Cannot use plugin "${name}": extends must map point → function name; current value is ${map}`,
      );
    }
    checkExtends({ name, symbols: plugin.symbols }, map, this.points, this.#enabled);
    const bound = new Map<string, Bound>();
    for (const [point, symbol] of Object.entries(map)) {
      bound.set(point, bind(plugin, symbol, this.points[point].timeoutMs));
    }
    // An inline plugin answers in the host's own isolate: nothing to pipeline, so no bound either.
    const inline = plugin.isolation === "inline";
    this.#inUse.set(name, {
      map: { ...map },
      bound,
      concurrency: (point) => (inline ? Infinity : point.concurrency),
    });
  }

  run<K extends keyof P & string>(point: K, ...args: RunArgs<P[K]>): Promise<RunResult<P[K]>> {
    try {
      return this.#run(point, args as unknown[]) as Promise<RunResult<P[K]>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  metrics(): FrameworkMetrics {
    return this.#metrics.snapshot();
  }

  #run(name: string, args: unknown[]): Promise<unknown> {
    if (typeof name !== "string") {
      throw new TypeError(
        `Cannot run a point: its name must be a string, one of ${
          Object.keys(this.points).map((n) => `"${n}"`).join(", ")
        }; current value is ${String(name)}`,
      );
    }
    const point = Object.hasOwn(this.points, name) ? this.points[name] : undefined;
    if (point === undefined) {
      throw new FrameworkProfileError(
        `Cannot run point "${name}": the framework has no such point; its points are ${
          Object.keys(this.points).map((n) => `"${n}"`).join(", ")
        }`,
        { point: name },
      );
    }
    const perItem = point.kind === "filter" || point.kind === "score";
    const items = point.kind === "sort" ? args[0] : perItem ? args[1] : undefined;
    if ((point.kind === "sort" || perItem) && !Array.isArray(items)) {
      throw new TypeError(
        `Cannot run point "${name}": its items must be an array; current value is ${
          items === undefined ? "undefined (pass the items to run it over)" : typeof items
        }`,
      );
    }
    const options = (point.kind === "sort" ? args[1] : args[2]) as RunOptions | undefined;
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError(
        `Cannot run point "${name}": options.signal must be an AbortSignal; current value is ${
          String(signal)
        }`,
      );
    }
    const members = this.#members(name, point, signal);
    signal?.throwIfAborted();
    const run: PointRun = { name, point, members, metrics: this.#metrics, signal };
    switch (point.kind) {
      case "sort":
        return runSort(run as PointRun<SortPoint>, items as unknown[]);
      case "filter":
        return runFilter(run as PointRun<FilterPoint>, args[0], items as unknown[]);
      case "score":
        return runScore(run as PointRun<ScorePoint>, args[0], items as unknown[]);
      case "first":
        return runFirst(
          run as PointRun<FirstPoint>,
          args[1] === undefined ? [args[0]] : args.slice(0, 2),
        );
    }
  }

  /** The point's enabled plugins, each of them in use. */
  #members(name: string, point: Point, signal: AbortSignal | undefined): Member[] {
    const enabled = this.#enabled.get(name) ?? [];
    if (point.kind === "sort" && enabled.length === 0) {
      throw new FrameworkProfileError(
        `Cannot run sort point "${name}": the profile gives it no plugin; ` +
          `name its one plugin, e.g. profile: { ${name}: "qos-sort" }`,
        { point: name },
      );
    }
    return enabled.map(({ plugin, weight }) => {
      const used = this.#inUse.get(plugin);
      if (used === undefined) {
        throw new FrameworkProfileError(
          `Cannot run point "${name}": the profile lists plugin "${plugin}", which is not in ` +
            `use; load it and fw.use() it, or take it out of the profile`,
          { point: name, plugin },
        );
      }
      const concurrency = used.concurrency(point);
      const { call, over } = used.bound.get(name)!(signal);
      return { plugin, symbol: used.map[name], weight, concurrency, call, over };
    });
  }
}

/**
 * Makes an extension-point framework, in the model of the Kubernetes
 * scheduling framework: named points of four kinds (`sort`, `filter`,
 * `score`, `first`), a profile that picks, orders and weighs each point's
 * plugins, and plugins from any tier (compiled in, in a worker, in a
 * process) side by side. Each plugin's calls over a run's items go out
 * pipelined, its failures follow the point's `onError`, and `metrics()`
 * counts and times every plugin per point.
 *
 * @param options The points and the profile.
 * @returns The framework; `use()` the plugins, then `run()` the points.
 * @throws {FrameworkProfileError} When the profile names a point the framework lacks, a sort point gets other than one plugin, a point lists a plugin twice, or a weight is not positive.
 * @throws {TypeError} When a point was not made with `point.*()`, or the profile is not of the right shape.
 *
 * @example Filter and score nodes for a pod with compiled-in plugins
 * ```ts
 * import { createFramework, createHost, point } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * type Pod = { cpu: number };
 * type Node = { name: string; free: number };
 * await using host = createHost();
 * host.register("fit", {
 *   filter: (pod: Pod, node: Node) => (pod.cpu <= node.free ? undefined : "too little cpu"),
 *   score: (pod: Pod, node: Node) => node.free - pod.cpu,
 * });
 * const fw = createFramework({
 *   points: { filter: point.filter<Pod, Node>(), score: point.score<Pod, Node>({ normalize: true }) },
 *   profile: { filter: ["fit"], score: [{ plugin: "fit", weight: 2 }] },
 * });
 * fw.use(await host.load("fit"), { extends: { filter: "filter", score: "score" } });
 *
 * const pod = { cpu: 2 };
 * const nodes = [{ name: "a", free: 1 }, { name: "b", free: 4 }, { name: "c", free: 3 }];
 * const { passed, failed } = await fw.run("filter", pod, nodes);
 * assert.deepEqual(failed, [{ item: nodes[0], plugin: "fit", reason: "too little cpu" }]);
 * const ranked = await fw.run("score", pod, passed);
 * assert.deepEqual(ranked.map((entry) => [entry.item.name, entry.score, entry.byPlugin.fit]), [
 *   ["b", 200, 100],
 *   ["c", 100, 50],
 * ]);
 * assert.equal(fw.metrics().filter.fit.calls, 3);
 * ```
 */
export function createFramework<P extends Record<string, Point>>(
  options: FrameworkOptions<P>,
): Framework<P> {
  return new ExtensionFramework(options);
}
