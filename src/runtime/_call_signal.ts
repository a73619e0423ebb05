/** The slot the SDK's `callSignal()` reads (by the same registered symbol). */
const CALL_SIGNAL = Symbol.for("sandplug.callSignal");

/**
 * Runs `start` (the synchronous start of a plugin function) with `signal` as
 * the current call's signal, so that plugin code can read it with the SDK's
 * `callSignal()` before its first `await`.
 */
export function withCallSignal<T>(signal: AbortSignal, start: () => T): T {
  const scope = globalThis as Record<symbol, unknown>;
  const previous = scope[CALL_SIGNAL];
  scope[CALL_SIGNAL] = signal;
  try {
    return start();
  } finally {
    scope[CALL_SIGNAL] = previous;
  }
}
