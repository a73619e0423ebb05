/**
 * The kinds of extension point, after the Kubernetes scheduling framework's:
 * `sort` (QueueSort), `filter` (Filter), `score` (Score with NormalizeScore)
 * and `first` (Bind: the first plugin that does not skip wins), with each
 * point's options.
 *
 * @module
 */

/**
 * What a point does when one of its plugins throws, times out, crashes or
 * returns a value of the wrong kind: `"fail"` rejects the run with an
 * `ExtensionPointError` naming the plugin; `"skip"` leaves the plugin out of
 * that run and records it in the result's `skips` and in the metrics.
 */
export type OnError = "fail" | "skip";

/** Options every kind of point takes. */
export interface PointOptions {
  /**
   * What a plugin's failure does to the run.
   *
   * @default {"fail"}
   */
  onError?: OnError;
  /**
   * The deadline of each plugin call at this point, in milliseconds.
   *
   * @default {the plugin's own call deadline}
   */
  timeoutMs?: number;
  /**
   * How many calls per plugin a per-item point keeps in flight. The calls
   * go out in one tick (one message, for a sandboxed plugin), so that a
   * plugin judging 100 items costs about one round trip, not 100.
   *
   * @default {128}
   */
  concurrency?: number;
}

/**
 * How a score point maps one plugin's scores over a run's items before they
 * are weighted: the scores in item order in, as many numbers out.
 */
export type Normalize = (scores: readonly number[]) => readonly number[];

/** Options of {@linkcode point.score}. */
export interface ScorePointOptions extends PointOptions {
  /**
   * Map each plugin's scores to 0–100 before weighting them: `true` for the
   * Kubernetes scheduler's `DefaultNormalizeScore` (each score × 100 / the
   * largest of the run; all zero stays zero, and a negative score is a
   * failure of the plugin), or a function of its own.
   *
   * @default {false}
   */
  normalize?: boolean | Normalize;
}

/** The kinds of extension point. */
export type PointKind = "sort" | "filter" | "score" | "first";

/** What every point holds: its kind, its failure policy, its call bounds. */
export interface PointBase<K extends PointKind, S, T, R> {
  /** The kind of point. */
  readonly kind: K;
  /** What a plugin's failure does to the run. */
  readonly onError: OnError;
  /** The deadline of each call, if the point sets one. */
  readonly timeoutMs: number | undefined;
  /** How many calls per plugin are kept in flight. */
  readonly concurrency: number;
  /**
   * Never set: it carries the point's types (the run's subject, its items,
   * what a plugin returns) to `run()`'s signature, as Standard Schema's
   * `types` does.
   */
  readonly types?: { readonly subject: S; readonly item: T; readonly value: R };
}

/** A point that sorts items with exactly one plugin's `less(a, b)`. */
export type SortPoint<T = unknown> = PointBase<"sort", never, T, boolean>;
/** A point every enabled plugin must pass, per item: `filter(subject, item)` returns nothing or a reason. */
export type FilterPoint<S = unknown, T = unknown> = PointBase<"filter", S, T, string | null | void>;
/** A point that ranks items by the weighted sum of the plugins' `score(subject, item)`. */
export interface ScorePoint<S = unknown, T = unknown> extends PointBase<"score", S, T, number> {
  /** How each plugin's scores are mapped before weighting; `undefined` keeps them. */
  readonly normalize: Normalize | undefined;
}
/** A point whose first plugin that does not return `undefined` wins. */
export type FirstPoint<S = unknown, T = unknown, R = unknown> = PointBase<"first", S, T, R>;

/** Any point. */
export type Point =
  | SortPoint<unknown>
  | FilterPoint<unknown, unknown>
  | ScorePoint<unknown, unknown>
  | FirstPoint<unknown, unknown, unknown>;

const DEFAULT_CONCURRENCY = 128;

/** The points the factories below made: `createFramework()` takes no other. */
const MADE = new WeakSet<object>();

/** Whether `value` was made by one of {@linkcode point}'s factories. */
export function isPoint(value: unknown): value is Point {
  return typeof value === "object" && value !== null && MADE.has(value);
}

function made<P extends Point>(value: P): P {
  MADE.add(Object.freeze(value));
  return value;
}

function base<K extends PointKind>(kind: K, options: PointOptions = {}) {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot make a ${kind} point: options must be an object; current value is ${String(options)}`,
    );
  }
  const { onError = "fail", timeoutMs, concurrency = DEFAULT_CONCURRENCY } = options;
  if (onError !== "fail" && onError !== "skip") {
    throw new TypeError(
      `Cannot make a ${kind} point: onError is ${JSON.stringify(onError)}; use "fail" or "skip"`,
    );
  }
  if (timeoutMs !== undefined && !(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
    throw new RangeError(
      `Cannot make a ${kind} point: timeoutMs is ${timeoutMs}; use a positive number of milliseconds`,
    );
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(
      `Cannot make a ${kind} point: concurrency is ${concurrency}; use a whole number from 1`,
    );
  }
  return { kind, onError, timeoutMs, concurrency };
}

/**
 * Kubernetes' DefaultNormalizeScore: each score × 100 / the largest; all
 * zero stays zero. A negative score has no place on that scale.
 */
export function byLargest(scores: readonly number[]): number[] {
  let largest = 0;
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i];
    if (score < 0) {
      throw new RangeError(
        `its score of item ${i} is ${score}; normalize: true scales scores of 0 or more, ` +
          "so return 0 or more, or give the point a normalize function",
      );
    }
    if (score > largest) largest = score;
  }
  const scaled = new Array<number>(scores.length);
  for (let i = 0; i < scores.length; i++) {
    scaled[i] = largest === 0 ? 0 : (scores[i] * 100) / largest;
  }
  return scaled;
}

/**
 * Makes a sort point: its one plugin's `less(a, b)` returns whether `a` goes
 * before `b`, and `run(point, items)` returns a sorted copy; items neither
 * goes before keep their order (the sort is stable). The comparisons of a
 * merge sort's independent halves go out together.
 */
function sort<T = unknown>(options?: PointOptions): SortPoint<T> {
  return made(base("sort", options));
}

/**
 * Makes a filter point: each of its plugins' `filter(subject, item)`
 * returns nothing (or `null`) to pass the item and a reason string to reject
 * it; an item passes when every plugin passes it. The plugins run in the
 * profile's order, each over the items the ones before it passed, so a
 * rejection names the first plugin (in that order) that rejected the item.
 */
function filter<S = unknown, T = unknown>(options?: PointOptions): FilterPoint<S, T> {
  return made(base("filter", options));
}

/**
 * Makes a score point: each of its plugins' `score(subject, item)` returns a
 * number; with `normalize`, each plugin's scores over the run's items are
 * mapped (to 0–100 for `true`); an item's score is the weighted sum, and
 * `run(point, subject, items)` returns the items best first.
 */
function score<S = unknown, T = unknown>(options: ScorePointOptions = {}): ScorePoint<S, T> {
  const fields = base("score", options);
  const normalize = options.normalize;
  if (
    normalize !== undefined && typeof normalize !== "boolean" && typeof normalize !== "function"
  ) {
    throw new TypeError(
      `Cannot make a score point: normalize is ${
        String(normalize)
      }; use true, false or a function of the scores`,
    );
  }
  return made({ ...fields, normalize: normalize === true ? byLargest : normalize || undefined });
}

/**
 * Makes a first point: its plugins are called one after another with
 * `(subject, item)`, in the profile's order, and the first one that does not
 * return `undefined` wins; none winning is `{ skipped: true }`.
 */
function first<S = unknown, T = unknown, R = unknown>(
  options?: PointOptions,
): FirstPoint<S, T, R> {
  return made(base("first", options));
}

/**
 * The kinds of extension point, to give `createFramework()` as `points`.
 * Each is typed by what its runs take: `point.filter<Pod, Node>()` is run
 * with a pod and nodes.
 *
 * @example The scheduler's points
 * ```ts
 * import { point } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const filter = point.filter({ onError: "skip", timeoutMs: 500 });
 * assert.deepEqual([filter.kind, filter.onError, filter.timeoutMs], ["filter", "skip", 500]);
 * const score = point.score({ normalize: true });
 * assert.deepEqual(score.normalize?.([0, 5, 10]), [0, 50, 100]);
 * assert.equal(point.sort().onError, "fail");
 * assert.throws(() => point.first({ concurrency: 0 }), RangeError);
 * ```
 */
export const point: {
  /** A sort point: exactly one plugin's `less(a, b)` sorts a copy of the items, stably. */
  readonly sort: <T = unknown>(options?: PointOptions) => SortPoint<T>;
  /** A filter point: every plugin must pass each item; a plugin returns a reason to reject it. */
  readonly filter: <S = unknown, T = unknown>(options?: PointOptions) => FilterPoint<S, T>;
  /** A score point: the weighted sum of the plugins' scores, optionally normalized, best first. */
  readonly score: <S = unknown, T = unknown>(options?: ScorePointOptions) => ScorePoint<S, T>;
  /** A first point: the first plugin that does not return `undefined` wins. */
  readonly first: <S = unknown, T = unknown, R = unknown>(
    options?: PointOptions,
  ) => FirstPoint<S, T, R>;
} = Object.freeze({ sort, filter, score, first });
