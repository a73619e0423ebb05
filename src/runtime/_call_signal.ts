/** The slot the SDK's `callSignal()` reads (by the same registered symbol): a function giving the signal. */
const CALL_SIGNAL = Symbol.for("sandplug.callSignal");

/**
 * Calls `fn(...args)` with `signal` as the source of the current call's
 * signal, so that plugin code can read it with the SDK's `callSignal()`
 * before its first `await`. The signal is made only if plugin code asks.
 */
export function callWithSignal(
  signal: () => AbortSignal,
  fn: (...args: unknown[]) => unknown,
  args: readonly unknown[],
): unknown {
  const scope = globalThis as Record<symbol, unknown>;
  const previous = scope[CALL_SIGNAL];
  scope[CALL_SIGNAL] = signal;
  try {
    return fn(...args);
  } finally {
    scope[CALL_SIGNAL] = previous;
  }
}
