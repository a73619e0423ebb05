/**
 * Per point, per plugin: how often it was called, how often it failed or
 * was left out, and how long its part of a run took, kept in fixed memory as
 * the Kubernetes scheduler keeps `scheduler_plugin_execution_duration_seconds`.
 *
 * @module
 */

/** One plugin's figures at one point. */
export interface PluginMetrics {
  /** The runs of the point the plugin took part in. */
  readonly runs: number;
  /** Its function's calls (one per item at a per-item point). */
  readonly calls: number;
  /** The calls that failed: threw, timed out, crashed, or returned a value of the wrong kind. */
  readonly errors: number;
  /** The runs it was left out of by `onError: "skip"`. */
  readonly skips: number;
  /**
   * The median time of its part of a run, in milliseconds: from its first
   * call to its last answer (all its calls over the items, pipelined). `NaN`
   * before its first run. Within about 3% (the histogram's buckets).
   */
  readonly p50Ms: number;
  /** The 99th percentile of the same, in milliseconds; `NaN` before its first run. */
  readonly p99Ms: number;
}

/** Every plugin's figures: point name → plugin name → figures. */
export type FrameworkMetrics = Record<string, Record<string, PluginMetrics>>;

/** The smallest time the histogram tells apart, in ms (1 µs), and the growth from bucket to bucket. */
const LOWEST_MS = 0.001;
const GROWTH = 1.06;
/** Enough buckets to reach about 12 minutes; a longer time counts in the last one. */
const BUCKETS = 350;
const LOG_GROWTH = Math.log(GROWTH);

/**
 * A histogram of durations in logarithmic buckets, each 6% wider than the
 * one before, from 1 µs: fixed memory (350 counters) whatever the number of
 * samples, and a quantile within half a bucket (3%) of the true one,
 * clamped to the smallest and largest sample seen.
 */
export class LatencyHistogram {
  readonly #counts = new Uint32Array(BUCKETS);
  #total = 0;
  #min = Infinity;
  #max = -Infinity;

  /** How many samples it holds. */
  get count(): number {
    return this.#total;
  }

  /** Adds a sample, in milliseconds. */
  record(ms: number): void {
    const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const at = value <= LOWEST_MS ? 0 : Math.ceil(Math.log(value / LOWEST_MS) / LOG_GROWTH);
    this.#counts[Math.min(at, BUCKETS - 1)]++;
    this.#total++;
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
  }

  /** The `q` quantile (0–1) in milliseconds: the middle of its bucket (0 and 1: the smallest and largest sample); `NaN` when empty. */
  quantile(q: number): number {
    if (this.#total === 0) return NaN;
    if (q <= 0) return this.#min;
    if (q >= 1) return this.#max;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    for (let at = 0; at < BUCKETS; at++) {
      seen += this.#counts[at];
      if (seen < rank) continue;
      // Bucket `at` holds (LOWEST·g^(at-1), LOWEST·g^at]: its geometric middle.
      const middle = LOWEST_MS * GROWTH ** (at - 0.5);
      return Math.min(this.#max, Math.max(this.#min, middle));
    }
    return this.#max;
  }
}

/** What one run of one plugin at one point came to. */
export interface RunRecord {
  /** Its calls issued. */
  calls: number;
  /** The calls that failed. */
  errors: number;
  /** Whether it was left out of the run. */
  skipped: boolean;
  /** Its part of the run, in milliseconds. */
  ms: number;
}

class Counter {
  runs = 0;
  calls = 0;
  errors = 0;
  skips = 0;
  readonly latency = new LatencyHistogram();
}

/** The figures of one framework, filled by its runs. */
export class MetricsRecorder {
  readonly #points = new Map<string, Map<string, Counter>>();

  /** Counts one plugin's part of one run. */
  record(point: string, plugin: string, run: RunRecord): void {
    let plugins = this.#points.get(point);
    if (plugins === undefined) this.#points.set(point, plugins = new Map());
    let counter = plugins.get(plugin);
    if (counter === undefined) plugins.set(plugin, counter = new Counter());
    counter.runs++;
    counter.calls += run.calls;
    counter.errors += run.errors;
    if (run.skipped) counter.skips++;
    counter.latency.record(run.ms);
  }

  /** A copy of the figures, by point and plugin in the order they first ran. */
  snapshot(): FrameworkMetrics {
    const out: FrameworkMetrics = {};
    for (const [point, plugins] of this.#points) {
      const figures: Record<string, PluginMetrics> = {};
      for (const [plugin, c] of plugins) {
        figures[plugin] = {
          runs: c.runs,
          calls: c.calls,
          errors: c.errors,
          skips: c.skips,
          p50Ms: c.latency.quantile(0.5),
          p99Ms: c.latency.quantile(0.99),
        };
      }
      out[point] = figures;
    }
    return out;
  }
}
