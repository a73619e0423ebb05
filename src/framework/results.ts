/**
 * What a run of each kind of point takes and returns.
 *
 * @module
 */
import type { ExtensionPointError } from "./errors.ts";
import type { FilterPoint, FirstPoint, Point, ScorePoint, SortPoint } from "./points.ts";

/** A plugin left out of a run by its point's `onError: "skip"`, and why. */
export interface PointSkip {
  /** The plugin's name, as the profile lists it. */
  readonly plugin: string;
  /** What it did: its `cause` is the call's own error. */
  readonly error: ExtensionPointError;
}

/** What a sort run returns: a sorted copy, with the plugin left out (the copy then unsorted) in `skips`. */
export interface SortResult<T> extends Array<T> {
  /** The plugin left out of the run, if its failure was skipped; the items then keep their order. Not enumerable. */
  readonly skips: readonly PointSkip[];
}

/** An item a filter plugin rejected, the plugin, and its reason. */
export interface Rejection<T> {
  /** The item. */
  readonly item: T;
  /** The first plugin, in the profile's order, that rejected it. */
  readonly plugin: string;
  /** What the plugin returned. */
  readonly reason: string;
}

/** What a filter run returns; both lists keep the items' order. */
export interface FilterResult<T> {
  /** The items every plugin passed. */
  readonly passed: T[];
  /** The items a plugin rejected. */
  readonly failed: Rejection<T>[];
  /** The plugins left out of the run by `onError: "skip"`. */
  readonly skips: readonly PointSkip[];
}

/** One item of a score run. */
export interface Scored<T> {
  /** The item. */
  readonly item: T;
  /** The weighted sum of its (normalized) scores. */
  readonly score: number;
  /** Each plugin's (normalized, unweighted) score, by plugin name. */
  readonly byPlugin: Readonly<Record<string, number>>;
}

/** What a score run returns: the items best first (ties in their order), with `skips` (not enumerable). */
export interface ScoreResult<T> extends Array<Scored<T>> {
  /** The plugins left out of the run by `onError: "skip"`; their scores count for no item. */
  readonly skips: readonly PointSkip[];
}

/** What a first run returns: the winner and its value, or `{ skipped: true }` when none won. */
export type FirstResult<R> =
  | { readonly plugin: string; readonly value: R; readonly skips: readonly PointSkip[] }
  | { readonly skipped: true; readonly skips: readonly PointSkip[] };

/** Options of every `run()`. */
export interface RunOptions {
  /** Stops the run: it rejects with the signal's reason (calls in flight in a sandbox are cancelled). */
  signal?: AbortSignal;
}

/** The arguments of `run(point, …)` for a point of type `P`. */
export type RunArgs<P extends Point> = P extends SortPoint<infer T>
  ? [items: readonly T[], options?: RunOptions]
  : P extends FilterPoint<infer S, infer T>
    ? [subject: S, items: readonly T[], options?: RunOptions]
  : P extends ScorePoint<infer S, infer T> ? [subject: S, items: readonly T[], options?: RunOptions]
  : P extends FirstPoint<infer S, infer T, unknown> ? [subject: S, item?: T, options?: RunOptions]
  : never;

/** What `run(point, …)` returns for a point of type `P`. */
export type RunResult<P extends Point> = P extends SortPoint<infer T> ? SortResult<T>
  : P extends FilterPoint<unknown, infer T> ? FilterResult<T>
  : P extends ScorePoint<unknown, infer T> ? ScoreResult<T>
  : P extends FirstPoint<unknown, unknown, infer R> ? FirstResult<R>
  : never;

/** Adds the skips to an array result, not enumerable, so that it still compares as the plain array. */
export function withSkips<T>(
  items: T[],
  skips: readonly PointSkip[],
): T[] & { skips: readonly PointSkip[] } {
  return Object.defineProperty(items, "skips", { value: skips, enumerable: false }) as
    & T[]
    & { skips: readonly PointSkip[] };
}
