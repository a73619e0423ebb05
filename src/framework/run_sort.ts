/**
 * The sort point's semantics: a stable merge sort of a copy of the items
 * with the one plugin's `less(a, b)`; the comparisons of independent halves
 * go out together, within the point's concurrency.
 *
 * @module
 */
import { Limiter } from "./batch.ts";
import { failure, type PointRun } from "./point_run.ts";
import type { SortPoint } from "./points.ts";
import { type PointSkip, type SortResult, withSkips } from "./results.ts";

/** Thrown through the sort once a comparison failed, so that no further one goes out. */
const STOP = Symbol("stop");

/**
 * Sorts a copy of `items` with the point's one plugin. A failure under
 * `onError: "skip"` returns the copy in the items' order, the skip recorded.
 *
 * @throws {ExtensionPointError} When the plugin fails under `onError: "fail"`.
 */
export async function runSort<T>(
  run: PointRun<SortPoint>,
  items: readonly T[],
): Promise<SortResult<T>> {
  const [member] = run.members;
  const limiter = new Limiter(member.concurrency);
  const inFlight = new Set<Promise<unknown>>();
  let calls = 0;
  let errors = 0;
  let fault: { error: unknown } | undefined;

  const less = async (a: number, b: number): Promise<boolean> => {
    if (fault !== undefined) throw STOP;
    const answer = limiter.run(() => {
      if (fault !== undefined) return Promise.reject(STOP);
      calls++;
      return member.call(items[a], items[b]);
    });
    inFlight.add(answer);
    try {
      const value = await answer;
      if (typeof value === "boolean") return value;
      throw new TypeError(`it returned ${typeof value}; less(a, b) returns a boolean`);
    } catch (error) {
      if (error !== STOP) {
        errors++;
        fault ??= { error };
      }
      throw STOP;
    } finally {
      inFlight.delete(answer);
    }
  };

  const started = performance.now();
  let order: number[] | undefined;
  try {
    order = await mergeSort(items.map((_, index) => index), less);
  } catch (error) {
    if (error !== STOP) throw error;
    // Every comparison settles (each within its deadline) before the run does.
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  }
  const skipped = fault !== undefined && run.point.onError === "skip";
  const ms = performance.now() - started;
  run.metrics.record(run.name, member.plugin, { calls, errors, skipped, ms });
  run.signal?.throwIfAborted();
  const skips: PointSkip[] = fault === undefined
    ? []
    : [failure(run, member, fault.error, undefined)];
  return withSkips(
    (order ?? items.map((_, i) => i)).map((index) => items[index]),
    skips,
  ) as SortResult<
    T
  >;
}

/** A stable merge sort: `b` goes before `a` only when `less(b, a)`. */
async function mergeSort(
  indices: number[],
  less: (a: number, b: number) => Promise<boolean>,
): Promise<number[]> {
  if (indices.length <= 1) return indices;
  const middle = indices.length >> 1;
  const [left, right] = await Promise.all([
    mergeSort(indices.slice(0, middle), less),
    mergeSort(indices.slice(middle), less),
  ]);
  const merged: number[] = [];
  let l = 0;
  let r = 0;
  while (l < left.length && r < right.length) {
    merged.push(await less(right[r], left[l]) ? right[r++] : left[l++]);
  }
  return merged.concat(left.slice(l), right.slice(r));
}
