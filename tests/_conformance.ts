/**
 * What the conformance tables share: the variants every table runs against,
 * the row shape with its reasons for being ignored, and small helpers.
 * `tests/conformance_test.ts` and `tests/conformance_talk_back_test.ts` each
 * run their own rows through {@linkcode ignoredBecause}, so one reason
 * format and one variant list hold for both.
 *
 * @module
 */
import {
  createHost,
  type Host,
  type HostEventDetail,
  type HostOptions,
  type IsolationName,
  type LoadOptions,
} from "@sandplug/host";

/** A way to run a table: a tier, and the load options every row uses. */
export interface Variant {
  name: string;
  tier: IsolationName;
  load: LoadOptions;
}

// The worker tier runs last: its stuck-plugin row leaves a thread spinning
// until the test process exits (terminate() cannot stop a busy loop on Deno 2.9).
/** Every tier, and the worker tier over its low-latency channel too. */
export const VARIANTS: readonly Variant[] = [
  { name: "inline tier", tier: "inline", load: { isolation: "inline" } },
  { name: "process tier", tier: "process", load: { isolation: "process" } },
  {
    name: "worker tier, low-latency channel",
    tier: "worker",
    load: { isolation: "worker", lowLatency: true },
  },
  { name: "worker tier", tier: "worker", load: { isolation: "worker" } },
];

/** One row of a table; `C` is what the table hands every row. */
export interface Row<C> {
  name: string;
  /** Why a tier cannot run the row; absent for a tier means it runs there. */
  skip?: Partial<Record<IsolationName, string>>;
  /**
   * KNOWN BUG: the tiers where the row fails today, and why (file and line of
   * src/). Ignored there so that the suite stays green; remove the entry once fixed.
   */
  bug?: Partial<Record<IsolationName, string>>;
  /** Why the row does not run over the low-latency channel. */
  skipLowLatency?: string;
  run(context: C): Promise<void> | void;
}

/** Why `row` is ignored in `variant`, or `undefined` when it runs there. */
export function ignoredBecause<C>(row: Row<C>, { tier, load }: Variant): string | undefined {
  return row.skip?.[tier] ?? row.bug?.[tier] ??
    (load.lowLatency ? row.skipLowLatency : undefined);
}

/** Resolves once `check` holds, polling; rejects with `what` after `ms`. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 5_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Collects every event of the given types a host fires, in order. */
export function record(
  host: Host,
  ...types: string[]
): { type: string; detail: HostEventDetail }[] {
  const seen: { type: string; detail: HostEventDetail }[] = [];
  for (const type of types) {
    host.addEventListener(type, (event) => {
      seen.push({ type, detail: (event as CustomEvent<HostEventDetail>).detail });
    });
  }
  return seen;
}

/** A host on `tier` with `options`. */
export function hostOn(tier: IsolationName, options: HostOptions = {}): Host {
  return createHost({ isolation: tier, ...options });
}
