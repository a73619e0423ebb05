/**
 * Per-call work measured in isolation: what one sandplug call does besides
 * `postMessage` itself, each step timed alone in a hot loop. These are lower
 * bounds (hot, JIT-compiled, no cache misses), used to explain the gaps.
 *
 * @module
 */
import { deserialize, serialize } from "node:v8";
import { measure } from "../src/wire/payload.ts";
import type { Results } from "./_results.ts";

/** One step of a call, as the report names it, and a function doing it once. */
export interface MicroStep {
  /** The key under `micro:` in the results. */
  readonly id: string;
  /** What the step is, for the report. */
  readonly label: string;
  /** Does the step once; returns something so that the work is not optimised away. */
  run(i: number): unknown;
}

/** A one-call batch as sandplug sends it: flat records (`CALL, id, symbol, argc, ...args`). */
const REQUEST = { type: "batch", records: [0, 1, "add", 2, 1, 2] };
const RAW_REQUEST = { id: 1, op: "add", args: [1, 2] };
const noop = () => {};
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The steps timed. */
export const MICRO_STEPS: readonly MicroStep[] = [
  {
    id: "timer",
    label: "setTimeout + clearTimeout (arming and clearing a deadline timer)",
    run: () => clearTimeout(setTimeout(noop, 30_000)),
  },
  {
    id: "measure",
    label: "measure() of `[1, 2]` (the payload bound, on arguments and on results)",
    run: (i) => measure([i, 2], 64 * 1024 * 1024).bytes,
  },
  {
    id: "promise",
    label: "Promise.withResolvers + a pending record (no closures)",
    run: (i) => {
      const resolvers = Promise.withResolvers<number>();
      const pending = { symbol: "add", deadline: i, ...resolvers };
      pending.resolve(i);
      return pending.promise;
    },
  },
  {
    id: "abort",
    label: "new AbortController (a per-call signal)",
    run: () => new AbortController(),
  },
  {
    id: "clone-sandplug",
    label:
      "structuredClone of a sandplug one-call batch `{type, records: [0, id, symbol, 2, a, b]}`",
    run: (i) => structuredClone({ ...REQUEST, records: [0, i, "add", 2, 1, 2] }),
  },
  {
    id: "clone-raw",
    label: "structuredClone of the raw baseline's message `{id, op, args}`",
    run: (i) => structuredClone({ ...RAW_REQUEST, id: i }),
  },
  {
    id: "v8-codec",
    label: "node:v8 serialize + deserialize of a call message (the process tier's codec)",
    run: (i) => deserialize(serialize({ ...REQUEST, id: i })),
  },
  {
    id: "json-codec",
    label: "JSON + UTF-8 encode and decode of the same message, for comparison",
    run: (i) => JSON.parse(decoder.decode(encoder.encode(JSON.stringify({ ...REQUEST, id: i })))),
  },
];

/** Times every step: `runs` batches of `iterations`, median of the per-step cost in ns. */
export async function microSuite(
  results: Results,
  runs: number,
  iterations = 20_000,
): Promise<void> {
  for (const step of MICRO_STEPS) {
    const samples: number[] = [];
    for (let run = 0; run < runs; run++) {
      const pending: unknown[] = [];
      const start = performance.now();
      for (let i = 0; i < iterations; i++) pending.push(step.run(i));
      const elapsed = performance.now() - start;
      samples.push((elapsed * 1e6) / iterations);
      await Promise.all(pending);
    }
    for (const sample of samples) results.add(`micro:${step.id}`, sample);
  }
}
