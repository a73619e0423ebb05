/**
 * The filter point's semantics: every enabled plugin must pass each item;
 * the plugins run in the profile's order, each over what the ones before it
 * passed.
 *
 * @module
 */
import { overItems, type PointRun } from "./point_run.ts";
import type { FilterPoint } from "./points.ts";
import type { FilterResult, PointSkip, Rejection } from "./results.ts";

function describe(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : typeof value;
}

/** A filter's value: nothing or null passes, a string rejects; anything else is the plugin's fault. */
function checkVerdict(value: unknown): Error | undefined {
  if (value === undefined || value === null || typeof value === "string") return undefined;
  return new TypeError(
    `it returned ${
      describe(value)
    }; a filter returns nothing (or null) to pass the item, or a reason string to reject it`,
  );
}

/**
 * Runs a filter point over `items`: each plugin is called about each item
 * still passing, pipelined; a plugin left out by `onError: "skip"` rejects
 * nothing.
 *
 * @throws {ExtensionPointError} When a plugin fails under `onError: "fail"`.
 */
export async function runFilter<T>(
  run: PointRun<FilterPoint>,
  subject: unknown,
  items: readonly T[],
): Promise<FilterResult<T>> {
  let passing = items.map((_, index) => index);
  const rejected: (Rejection<T> | undefined)[] = new Array(items.length);
  const skips: PointSkip[] = [];
  for (const member of run.members) {
    if (passing.length === 0) break;
    const current = passing;
    const outcome = await overItems(run, member, subject, items, current, checkVerdict);
    if (outcome.skip !== undefined) {
      skips.push(outcome.skip);
      continue;
    }
    passing = [];
    for (let k = 0; k < current.length; k++) {
      const verdict = outcome.values[k];
      const index = current[k];
      if (verdict === undefined || verdict === null) passing.push(index);
      else {rejected[index] = {
          item: items[index],
          plugin: member.plugin,
          reason: verdict as string,
        };}
    }
  }
  return {
    passed: passing.map((index) => items[index]),
    failed: rejected.filter((entry) => entry !== undefined),
    skips,
  };
}
