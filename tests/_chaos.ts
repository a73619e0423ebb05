/**
 * What the chaos runs share: the plugin they load, how a settled call is
 * named, and a semaphore for calls in flight.
 *
 * @module
 */
import {
  PluginCallError,
  PluginClosedError,
  PluginCrashedError,
  PluginTimeoutError,
} from "@sandplug/host";

export const CHAOS_PLUGIN = `
import { callSignal } from "@sandplug/host/plugin";

export function ok(n: number): number { return n + 1; }
export function fail(n: number): never { throw new TypeError("planned failure " + n); }
export async function hang(): Promise<string> {
  const signal = callSignal();
  await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
  return "cancelled";
}
export function crash(): string {
  setTimeout(() => { throw new Error("chaos crash"); }, 1);
  return "crashing";
}
export function spin(): never { for (;;) {} }
export function exit(): never { Deno.exit(3); }
`;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type Outcome =
  | "fulfilled"
  | "PluginCallError"
  | "PluginTimeoutError"
  | "PluginCrashedError"
  | "PluginClosedError"
  | "aborted"
  | "unexpected";

/** Names a settled call's outcome; anything but a typed error or the caller's own abort reason is unexpected. */
export function classify(error: unknown, reason: unknown): Outcome {
  if (reason !== undefined && error === reason) return "aborted";
  if (error instanceof PluginCallError) return "PluginCallError";
  if (error instanceof PluginTimeoutError) return "PluginTimeoutError";
  if (error instanceof PluginCrashedError) return "PluginCrashedError";
  if (error instanceof PluginClosedError) return "PluginClosedError";
  return "unexpected";
}

/** A counting semaphore: at most `limit` holders at once. */
export function limiter(limit: number): { acquire(): Promise<void>; release(): void } {
  let held = 0;
  const waiting: (() => void)[] = [];
  return {
    async acquire() {
      if (held < limit) {
        held++;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release() {
      const next = waiting.shift();
      if (next !== undefined) next();
      else held--;
    },
  };
}

/** What a chaos run counts about its calls, by kind of call and outcome. */
export interface Tally {
  /** Calls counted in. */
  readonly issued: number;
  /** Calls that settled, whatever way. */
  readonly settled: number;
  /** Every call's named outcome. */
  readonly outcomes: Promise<Outcome>[];
  /** What settled in a way its kind of call may not. */
  readonly unexpected: string[];
  /** Per kind of call, how many ended in each outcome. */
  readonly byKind: Map<string, Map<Outcome, number>>;
  /** Quick calls to well-behaved plugins that timed out or crashed, by outcome. */
  readonly calm: Map<string, number>;
  /**
   * Counts a call in, and out once it settles, whatever way it settles. A
   * result must pass `expect.value`; a PluginCallError must pass
   * `expect.threw` (only the "fail" calls throw); `expect.reason` is the abort
   * reason the caller passed.
   */
  track(
    kind: string,
    plugin: number,
    call: Promise<unknown>,
    expect?: {
      value?: (value: unknown) => boolean;
      threw?: (error: PluginCallError) => boolean;
      reason?: unknown;
    },
  ): Promise<Outcome>;
}

/** A tally for a run whose plugins misbehave when `wild(plugin index)` holds. */
export function createTally(wild: (plugin: number) => boolean): Tally {
  const tally: Tally = {
    issued: 0,
    settled: 0,
    outcomes: [],
    unexpected: [],
    byKind: new Map(),
    calm: new Map(),
    track(kind, plugin, call, expect = {}) {
      counts.issued++;
      const outcome = call.then(
        (value): Outcome => {
          if (expect.value?.(value)) return "fulfilled";
          tally.unexpected.push(`${kind} resolved with ${Deno.inspect(value)}`);
          return "unexpected";
        },
        (error): Outcome => {
          const named = classify(error, expect.reason);
          if (
            named === "unexpected" ||
            (named === "PluginCallError" && !expect.threw?.(error as PluginCallError))
          ) {
            tally.unexpected.push(`${kind} rejected with ${Deno.inspect(error)}`);
            return "unexpected";
          }
          return named;
        },
      ).then((named) => {
        counts.settled++;
        const perKind = tally.byKind.get(kind) ?? new Map<Outcome, number>();
        perKind.set(named, (perKind.get(named) ?? 0) + 1);
        tally.byKind.set(kind, perKind);
        // A well-behaved plugin's quick calls should only fail when the machine stalls.
        const quick = kind === "ok" || kind === "fail";
        if (
          quick && !wild(plugin) &&
          (named === "PluginTimeoutError" || named === "PluginCrashedError")
        ) {
          tally.calm.set(named, (tally.calm.get(named) ?? 0) + 1);
        }
        return named;
      });
      tally.outcomes.push(outcome);
      return outcome;
    },
  };
  const counts = tally as { issued: number; settled: number };
  return tally;
}
