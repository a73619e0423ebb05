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

/** A call's cancellation, made only when plugin code asks for the signal. */
export class LazyAbort {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;

  /** The signal, made on first use; already aborted if the call was cancelled before. */
  readonly signal = (): AbortSignal => {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  };

  /** Aborts the signal, now or when it is made. */
  abort(reason: unknown): void {
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
