/**
 * The shapes of what `lookup()` hands out: remote functions and variables.
 *
 * @module
 */
export type { SymbolInfo, SymbolKind } from "../wire/protocol.ts";

/** Options of one call, read or write. */
export interface CallOptions {
  /** Cancels the call: it rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Deadline in milliseconds; the call rejects with `PluginTimeoutError` when it passes.
   *
   * @default {the manifest's limits.callTimeoutMs, else the host's callTimeoutMs (30000)}
   */
  timeoutMs?: number;
}

/** Options of `p.stream()`. */
export interface StreamOptions {
  /** Stops the stream: it errors with the signal's reason, and the plugin's iterator is returned. */
  signal?: AbortSignal;
  /**
   * How long the reader waits for each item, in milliseconds; the stream
   * errors with `PluginTimeoutError` when one takes longer.
   *
   * @default {the plugin's call deadline (callTimeoutMs)}
   */
  timeoutMs?: number;
  /**
   * How many items the plugin may produce ahead of the reader: its generator
   * is not pulled further until the host reads.
   *
   * @default {16}
   */
  window?: number;
}

/**
 * An exported variable (or a read-only exported constant) of a plugin, seen
 * from the host. Both methods go to the plugin and back.
 */
export interface Variable<T> {
  /** The export's name. */
  readonly name: string;
  /** `true` for an exported constant, whose `set()` rejects with `SymbolKindError`. */
  readonly readonly: boolean;
  /** Reads the current value. */
  get(options?: CallOptions): Promise<T>;
  /** Writes a new value; plugin code sees it on its next read of `.value`. */
  set(value: T, options?: CallOptions): Promise<void>;
}

/** An exported function of a plugin, seen from the host: always async. */
export type RemoteFunction<Args extends unknown[] = unknown[], R = unknown> = (
  ...args: Args
) => Promise<R>;

/**
 * What `lookup<T>()` returns for the type `T` the caller names: a
 * {@linkcode Variable} stays a `Variable`; a function becomes its async
 * version; anything else is read as a read-only `Variable` of that type.
 */
export type Remote<T> = [unknown] extends [T] ? RemoteFunction | Variable<unknown>
  : T extends Variable<infer V> ? Variable<V>
  : T extends (...args: infer A) => infer R ? RemoteFunction<A, Awaited<R>>
  : Variable<T>;

/**
 * Options of `lookup()`. Its `signal` and `timeoutMs` bound every call made
 * through the function it returns (and are the defaults of a variable's
 * `get()` and `set()`): for other ones, look the symbol up again.
 */
export interface LookupOptions extends CallOptions {
  /** Fail with `SymbolKindError` unless the symbol is of this kind. */
  kind?: "function" | "variable" | "value";
}
