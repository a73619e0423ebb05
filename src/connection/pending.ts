import type { RequestTag } from "../wire/records.ts";

/** How long a request or the start may take, and what cancels it. */
export interface Bounds {
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * When the caller made the request, on the `performance.now()` clock: the
   * deadline counts from it, and errors say how long ago it was. Now, when absent.
   */
  since?: number;
}

/** A request waiting for its reply. */
export class Pending {
  readonly tag: RequestTag;
  readonly symbol: string;
  /** The arguments (call) or value (set), to name what could not be sent. */
  readonly payload: unknown;
  readonly timeoutMs: number;
  /** When the caller made the request, on the `performance.now()` clock. */
  readonly since: number;
  /** When the request times out, on the `performance.now()` clock. */
  readonly deadline: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Whether the runtime said plugin code started it (`STARTED`). */
  started = false;
  /** Whether its arguments hold references (callbacks, streams), which die with the connection. */
  byRef = false;

  constructor(
    tag: RequestTag,
    symbol: string,
    payload: unknown,
    bounds: Bounds,
    since: number,
    resolvers: PromiseWithResolvers<unknown>,
  ) {
    this.tag = tag;
    this.symbol = symbol;
    this.payload = payload;
    this.timeoutMs = bounds.timeoutMs;
    this.since = since;
    this.deadline = since + bounds.timeoutMs;
    this.signal = bounds.signal;
    this.resolve = resolvers.resolve;
    this.reject = resolvers.reject;
  }
}
