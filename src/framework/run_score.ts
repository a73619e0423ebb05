/**
 * The score point's semantics: every enabled plugin scores every item, all
 * plugins at once; each plugin's scores are normalized, weighted and summed,
 * and the items come back best first.
 *
 * @module
 */
import { overItems, type PointRun } from "./point_run.ts";
import { byLargest, type Normalize, type ScorePoint } from "./points.ts";
import { type PointSkip, type Scored, type ScoreResult, withSkips } from "./results.ts";

/** A score must be a finite number; anything else is the plugin's fault. */
function checkScore(value: unknown): Error | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return undefined;
  return new TypeError(
    `it returned ${
      typeof value === "number" ? value : typeof value
    }; a score plugin returns a finite number`,
  );
}

/** The point's normalize, checked to return one finite number per score. */
function checked(normalize: Normalize): (scores: unknown[]) => unknown[] {
  return (scores) => {
    const mapped = normalize(scores as number[]);
    if (
      !Array.isArray(mapped) || mapped.length !== scores.length ||
      !mapped.every((score) => typeof score === "number" && Number.isFinite(score))
    ) {
      throw new TypeError(
        `the point's normalize returned ${
          Array.isArray(mapped) ? `${mapped.length} values` : typeof mapped
        } for ${scores.length} scores; it must return one finite number per score`,
      );
    }
    return [...mapped];
  };
}

/**
 * Runs a score point over `items`: all plugins' calls go out together,
 * pipelined; a plugin left out by `onError: "skip"` scores no item.
 *
 * @throws {ExtensionPointError} When a plugin fails under `onError: "fail"`: the first in the profile's order.
 */
export async function runScore<T>(
  run: PointRun<ScorePoint>,
  subject: unknown,
  items: readonly T[],
): Promise<ScoreResult<T>> {
  const normalize = run.point.normalize;
  // The point's own normalize is checked; the built-in one gives one number per score.
  const after = normalize === undefined
    ? undefined
    : normalize === byLargest
    ? (byLargest as (scores: unknown[]) => unknown[])
    : checked(normalize);
  const all = items.map((_, index) => index);
  const settled = await Promise.allSettled(
    run.members.map((member) => overItems(run, member, subject, items, all, checkScore, after)),
  );
  run.signal?.throwIfAborted();
  const skips: PointSkip[] = [];
  const columns: { plugin: string; weight: number; scores: number[] }[] = [];
  run.members.forEach((member, m) => {
    const result = settled[m];
    if (result.status === "rejected") throw result.reason;
    const outcome = result.value;
    if (outcome.skip !== undefined) skips.push(outcome.skip);
    else {columns.push({
        plugin: member.plugin,
        weight: member.weight,
        scores: outcome.values as number[],
      });}
  });
  const scored: Scored<T>[] = items.map((item, index) => {
    const byPlugin: Record<string, number> = {};
    let score = 0;
    for (const column of columns) {
      byPlugin[column.plugin] = column.scores[index];
      score += column.weight * column.scores[index];
    }
    return { item, score, byPlugin };
  });
  // Array.prototype.sort is stable: ties keep the items' order.
  scored.sort((a, b) => b.score - a.score);
  return withSkips(scored, skips) as ScoreResult<T>;
}
