/** The slot the SDK's `callSignal()` reads (by the same registered symbol): a function giving the signal. */
const CALL_SIGNAL = Symbol.for("sandplug.callSignal");

/** The controller of the call whose synchronous start runs now, made only if its code asks. */
let starting: AbortController | undefined;
/** The controller the last {@linkcode startCall} made, if its code asked for a signal. */
let started: AbortController | undefined;
const signalOfStartingCall = (): AbortSignal => (starting ??= new AbortController()).signal;
/** The exported function whose synchronous start runs now: names the call in reports of what it was refused. */
let running: string | undefined;
/** Whose code runs synchronously now, as the one who started it said (the inline tier: which plugin). */
let owner: unknown;

/**
 * Calls `fn(...args)` so that plugin code can read the call's signal with the
 * SDK's `callSignal()` before its first `await`, and {@linkcode runningOwner}
 * gives `by` until it returns. The signal is made only if plugin code asks:
 * then {@linkcode startedController} returns its controller, to abort it when
 * the host gives up on the call.
 *
 * @throws What `fn` throws.
 */
export function startCall(
  fn: (...args: unknown[]) => unknown,
  args: readonly unknown[],
  symbol?: string,
  by?: unknown,
): unknown {
  const scope = globalThis as Record<symbol, unknown>;
  const previous = scope[CALL_SIGNAL];
  const outerSymbol = running;
  running = symbol;
  // Kept with the rest, not in a try of its own: the inline tier's direct calls pay nothing more.
  const outerOwner = owner;
  owner = by;
  // Saved and restored: an inline plugin may call another while it starts.
  const outer = starting;
  starting = undefined;
  scope[CALL_SIGNAL] = signalOfStartingCall;
  try {
    return fn(...args);
  } finally {
    scope[CALL_SIGNAL] = previous;
    running = outerSymbol;
    owner = outerOwner;
    started = starting;
    starting = outer;
  }
}

/** The controller of the call {@linkcode startCall} just ran, if its code asked for a signal. */
export function startedController(): AbortController | undefined {
  return started;
}

/**
 * The exported function whose call's synchronous start runs now, if any.
 * Code a call runs after its first `await` is not attributed: undefined,
 * never another call's name.
 */
export function runningSymbol(): string | undefined {
  return running;
}

/** Whose code runs synchronously now, as {@linkcode startCall} or {@linkcode swapOwner} was told. */
export function runningOwner(): unknown {
  return owner;
}

/** Makes `next` the owner of the code that runs now; the caller restores what it returns when done. */
export function swapOwner(next: unknown): unknown {
  const outer = owner;
  owner = next;
  return outer;
}
