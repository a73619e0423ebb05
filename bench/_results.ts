/**
 * The samples one run collected, by key (`"<metric>:<subject>"`), and the
 * arithmetic the report needs on them.
 *
 * @module
 */
import { median } from "./_measure.ts";

/** What one figure came to: its samples, or why there are none. */
export type Outcome = { samples: number[] } | { error: string };

/** Every figure of one run. */
export class Results {
  readonly #outcomes = new Map<string, Outcome>();

  /** Adds a sample to `key`, unless the figure already failed. */
  add(key: string, sample: number): void {
    const outcome = this.#outcomes.get(key);
    if (outcome === undefined) this.#outcomes.set(key, { samples: [sample] });
    else if ("samples" in outcome) outcome.samples.push(sample);
  }

  /** Marks `key` as failed; the first error wins. */
  fail(key: string, error: unknown): void {
    const outcome = this.#outcomes.get(key);
    if (outcome !== undefined && "error" in outcome) return;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.#outcomes.set(key, { error: text.split("\n")[0].slice(0, 160) });
  }

  /** Whether `key` failed. */
  failed(key: string): boolean {
    const outcome = this.#outcomes.get(key);
    return outcome !== undefined && "error" in outcome;
  }

  /** The outcome of `key`, if it was measured at all. */
  get(key: string): Outcome | undefined {
    return this.#outcomes.get(key);
  }

  /** The median of `key`, or NaN when it has no samples. */
  median(key: string): number {
    const outcome = this.#outcomes.get(key);
    return outcome !== undefined && "samples" in outcome ? median(outcome.samples) : NaN;
  }

  /** How many samples `key` has. */
  count(key: string): number {
    const outcome = this.#outcomes.get(key);
    return outcome !== undefined && "samples" in outcome ? outcome.samples.length : 0;
  }

  /** The smallest and largest sample of `key`. */
  range(key: string): [number, number] {
    const outcome = this.#outcomes.get(key);
    if (outcome === undefined || !("samples" in outcome)) return [NaN, NaN];
    return [Math.min(...outcome.samples), Math.max(...outcome.samples)];
  }

  /** `median(key) / median(baseline)`. */
  ratio(key: string, baseline: string): number {
    return this.median(key) / this.median(baseline);
  }
}

/**
 * Runs `body` and records a failure under every key in `keys` if it throws,
 * so that one broken subject leaves the rest of the run intact.
 */
export async function guarded(
  results: Results,
  keys: readonly string[],
  body: () => Promise<void>,
): Promise<void> {
  if (keys.length > 0 && keys.every((key) => results.failed(key))) return;
  try {
    await body();
  } catch (error) {
    for (const key of keys) results.fail(key, error);
  }
}
