/**
 * One plugin's calls over a run's items, pipelined: as many as the point's
 * concurrency allows go out in one tick, so that a sandboxed plugin gets
 * them as one message and a run over 100 items costs about one round trip.
 *
 * @module
 */

/** What a batch of calls came to. */
export interface BatchOutcome {
  /** The calls' values by item index; holes where a call failed or never went out. */
  readonly values: unknown[];
  /** The first failure, by when it came: the item's index and the error. */
  readonly fault: { readonly index: number | undefined; readonly error: unknown } | undefined;
  /** The calls that went out. */
  readonly calls: number;
  /** The calls that failed. */
  readonly errors: number;
}

/**
 * Calls `call(index)` for every index below `count`, at most `concurrency`
 * in flight. A call may answer synchronously (an inline plugin's
 * synchronous function): its value, or what it throws, counts at once, with
 * no promise made for it. After the first failure (a throw, a rejection, or
 * a value `check` refuses) no further call goes out; the ones in flight are
 * awaited, each bounded by its own deadline, so the batch always settles.
 *
 * @param count How many calls to make.
 * @param concurrency The bound on calls in flight.
 * @param call Makes the call about one item: its value, or a promise of it.
 * @param check Returns an error for a value of the wrong kind, else undefined.
 */
export function callEach(
  count: number,
  concurrency: number,
  call: (index: number) => unknown,
  check: (value: unknown) => Error | undefined,
): Promise<BatchOutcome> {
  const values: unknown[] = new Array(count);
  let fault: BatchOutcome["fault"];
  let next = 0;
  let settled = 0;
  let errors = 0;
  const { promise, resolve } = Promise.withResolvers<BatchOutcome>();
  const failed = (index: number, error: unknown) => {
    errors++;
    fault ??= { index, error };
  };
  const answered = (index: number, value: unknown) => {
    const refused = check(value);
    if (refused === undefined) values[index] = value;
    else failed(index, refused);
  };
  const issue = (): void => {
    while (next < count && next - settled < concurrency && fault === undefined) {
      const index = next++;
      let result: unknown;
      try {
        result = call(index);
      } catch (error) {
        failed(index, error);
        settled++;
        continue;
      }
      if (!(result instanceof Promise)) {
        answered(index, result);
        settled++;
        continue;
      }
      result.then((value) => {
        answered(index, value);
        settled++;
        issue();
      }, (error) => {
        failed(index, error);
        settled++;
        issue();
      });
    }
    if (settled === next && (next === count || fault !== undefined)) {
      resolve({ values, fault, calls: next, errors });
    }
  };
  issue();
  return promise;
}

/**
 * A bound on calls in flight, for calls that are not known up front (a
 * sort's comparisons): `run()` waits for a free slot.
 */
export class Limiter {
  readonly #limit: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  /** Makes a limiter of `limit` slots. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Runs `task` once a slot is free, and frees the slot when it settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await task();
    } finally {
      const wake = this.#waiting.shift();
      if (wake !== undefined) wake();
      else this.#active--;
    }
  }
}
