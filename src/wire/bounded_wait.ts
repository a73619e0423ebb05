/**
 * Waits that end: on their own, at a deadline, or on an abort. Both sides of
 * the boundary use it (a load's handshake, a child's pipes draining), so it
 * lives with what both import.
 *
 * @module
 */

/** The longest delay a timer takes; a longer one would fire at once. About 24.8 days. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Options of {@linkcode boundedWait}. */
export interface BoundedWaitOptions<T> {
  /** The longest wait in milliseconds; past about 24.8 days (or `Infinity`), about 24.8 days. */
  timeoutMs: number;
  /** Ends the wait early: it then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** What the wait settles with when the time ran out: what this returns, or what it throws. */
  onTimeout(): T;
}

/**
 * Waits for `promise`, but no longer than a deadline and no longer than a
 * signal allows. Settles as `promise` does when it settles first; when the
 * time runs out first, with what `onTimeout` returns or throws; when the
 * signal aborts first (or had already), rejects with its reason. A later
 * settling of `promise` is ignored, a rejection included.
 *
 * Built on `AbortSignal.timeout` and `AbortSignal.any`: the timer holds the
 * event loop only while someone waits, and there is no timer to clear.
 *
 * @param promise What is waited for.
 * @returns What `promise` settles with, or what the deadline or the abort gives.
 */
export function boundedWait<T>(promise: Promise<T>, options: BoundedWaitOptions<T>): Promise<T> {
  const { signal: outer, onTimeout } = options;
  const timeout = AbortSignal.timeout(
    Math.min(Math.max(options.timeoutMs, 0) || 0, MAX_DELAY_MS),
  );
  const signal = outer === undefined ? timeout : AbortSignal.any([timeout, outer]);
  return new Promise<T>((resolve, reject) => {
    const stop = () => {
      // The reason of the signal that aborted first: the timeout's own, or the caller's.
      if (signal.reason !== timeout.reason) return reject(signal.reason);
      try {
        resolve(onTimeout());
      } catch (error) {
        reject(error);
      }
    };
    const done = () => signal.removeEventListener("abort", stop);
    promise.then((value) => {
      done();
      resolve(value);
    }, (error) => {
      done();
      reject(error);
    });
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
  });
}
