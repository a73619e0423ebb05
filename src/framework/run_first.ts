/**
 * The first point's semantics: the plugins are called one after another, in
 * the profile's order, until one returns something other than `undefined`.
 *
 * @module
 */
import { failure, type PointRun } from "./point_run.ts";
import type { FirstPoint } from "./points.ts";
import type { FirstResult, PointSkip } from "./results.ts";

/**
 * Runs a first point: `{ plugin, value }` of the first plugin that returns
 * something other than `undefined`, else `{ skipped: true }`. A plugin left
 * out by `onError: "skip"` counts as one that skipped, and is in `skips`.
 *
 * @throws {ExtensionPointError} When a plugin fails under `onError: "fail"`.
 */
export async function runFirst<R>(
  run: PointRun<FirstPoint>,
  args: unknown[],
): Promise<FirstResult<R>> {
  const skips: PointSkip[] = [];
  for (const member of run.members) {
    const started = performance.now();
    let value: unknown;
    let error: { cause: unknown } | undefined;
    try {
      value = await member.call(...args);
    } catch (cause) {
      error = { cause };
    }
    const skipped = error !== undefined && run.point.onError === "skip";
    const ms = performance.now() - started;
    run.metrics.record(run.name, member.plugin, { calls: 1, errors: error ? 1 : 0, skipped, ms });
    run.signal?.throwIfAborted();
    if (error !== undefined) skips.push(failure(run, member, error.cause, undefined));
    else if (value !== undefined) return { plugin: member.plugin, value: value as R, skips };
  }
  return { skipped: true, skips };
}
