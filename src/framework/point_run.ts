/**
 * One run of one point: its plugins, its metrics, its signal; and one
 * plugin's part of a per-item run, with the point's failure policy applied.
 *
 * @module
 */
import { callEach } from "./batch.ts";
import { ExtensionPointError } from "./errors.ts";
import type { Member } from "./members.ts";
import type { MetricsRecorder } from "./metrics.ts";
import type { Point } from "./points.ts";
import type { PointSkip } from "./results.ts";

/** What the semantics of a point need for one run. */
export interface PointRun<P extends Point = Point> {
  /** The point's name. */
  readonly name: string;
  /** The point. */
  readonly point: P;
  /** Its enabled plugins, in the profile's order. */
  readonly members: readonly Member[];
  /** Where each plugin's part is counted. */
  readonly metrics: MetricsRecorder;
  /** The run's signal. */
  readonly signal: AbortSignal | undefined;
}

/** A plugin's values, in the order of the indices it was called about, or its skip. */
export type MemberOutcome =
  | { readonly values: unknown[]; readonly skip?: undefined }
  | { readonly values?: undefined; readonly skip: PointSkip };

/**
 * The error of a failed call at a point, or, under `onError: "skip"`, the
 * skip that records it. Counts nothing: the caller records the metrics.
 *
 * @throws {ExtensionPointError} Under `onError: "fail"`.
 */
export function failure(
  run: PointRun,
  member: Member,
  cause: unknown,
  index: number | undefined,
): PointSkip {
  const error = new ExtensionPointError(run.name, member.plugin, member.symbol, { cause, index });
  if (run.point.onError === "fail") throw error;
  return { plugin: member.plugin, error };
}

/**
 * Calls one plugin about each item, pipelined, and applies the point's
 * failure policy to the first failure: rejects the run, or leaves the plugin
 * out of it. Records the plugin's part in the metrics either way.
 *
 * @param subject The run's subject, the first argument of every call.
 * @param items The run's items.
 * @param indices The indices of the items to call it about.
 * @param check An error for a value of the wrong kind, else undefined.
 * @param after Maps all the values once they came (a score's normalize); what it throws is the plugin's failure.
 * @throws {ExtensionPointError} Under `onError: "fail"`, for the first failed call.
 */
export async function overItems(
  run: PointRun,
  member: Member,
  subject: unknown,
  items: readonly unknown[],
  indices: readonly number[],
  check: (value: unknown) => Error | undefined,
  after?: (values: unknown[]) => unknown[],
): Promise<MemberOutcome> {
  const started = performance.now();
  const direct = member.over?.(subject);
  const call = member.call;
  const outcome = await callEach(
    indices.length,
    member.concurrency,
    direct === undefined
      ? (k) => call(subject, items[indices[k]])
      : (k) => direct(items[indices[k]]),
    check,
  );
  const { calls } = outcome;
  let { errors, fault, values } = outcome;
  if (fault === undefined && after !== undefined && !run.signal?.aborted) {
    try {
      values = after(values);
    } catch (error) {
      errors++;
      fault = { index: undefined, error };
    }
  }
  const ms = performance.now() - started;
  const skipped = fault !== undefined && run.point.onError === "skip";
  run.metrics.record(run.name, member.plugin, { calls, errors, skipped, ms });
  // A cancelled run rejects with the signal's reason, never as a plugin's failure.
  run.signal?.throwIfAborted();
  if (fault === undefined) return { values };
  const index = fault.index === undefined ? undefined : indices[fault.index];
  return { skip: failure(run, member, fault.error, index) };
}
