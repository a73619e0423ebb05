/**
 * Calls a crashed plugin never started, kept for its restart: each runs on
 * the restarted plugin within what is left of its own deadline, or fails
 * when that passes, when its signal aborts, or when the plugin ends for good
 * (saying it never ran). Calls that had started are not here: they ran at
 * most once, and failed with the crash.
 *
 * @module
 */
import {
  PluginClosedError,
  PluginCrashedError,
  PluginTimeoutError,
} from "../errors/call_errors.ts";
import type { PluginError } from "../errors/errors.ts";
import type { Connection } from "../connection/connection.ts";
import type { Pending } from "../connection/pending.ts";

interface Waiting {
  readonly pending: Pending;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly onAbort: (() => void) | undefined;
}

/** One plugin's calls waiting for its restart. */
export class Requeue {
  readonly #plugin: string;
  readonly #waiting = new Set<Waiting>();

  constructor(plugin: string) {
    this.#plugin = plugin;
  }

  /** Keeps a call that never started, watching its deadline and signal meanwhile. */
  take(pending: Pending): void {
    const left = Math.max(0, pending.deadline - performance.now());
    const waiting: Waiting = {
      pending,
      timer: setTimeout(() => {
        this.#drop(
          waiting,
          new PluginTimeoutError(this.#plugin, pending.symbol, pending.timeoutMs),
        );
      }, left),
      onAbort: pending.signal === undefined
        ? undefined
        : () => this.#drop(waiting, pending.signal?.reason),
    };
    if (waiting.onAbort !== undefined) {
      pending.signal?.addEventListener("abort", waiting.onAbort, { once: true });
    }
    this.#waiting.add(waiting);
  }

  /** The plugin restarted: every waiting call is sent to it, within what is left of its deadline. */
  resend(connection: Connection): void {
    for (const waiting of this.#release()) {
      const { pending } = waiting;
      const timeoutMs = pending.deadline - performance.now();
      if (timeoutMs <= 0) {
        pending.reject(new PluginTimeoutError(this.#plugin, pending.symbol, pending.timeoutMs));
        continue;
      }
      connection.request(pending.tag, pending.symbol, pending.payload, {
        timeoutMs,
        signal: pending.signal,
      }).then(pending.resolve, pending.reject);
    }
  }

  /**
   * The plugin ends for good: every waiting call fails, with `cause` when it
   * was closed, else saying it crashed and never ran.
   */
  failAll(cause: PluginError): void {
    const crashed = !(cause instanceof PluginClosedError);
    const reason = cause instanceof PluginCrashedError ? cause.reason : cause.message;
    for (const { pending } of this.#release()) {
      pending.reject(
        crashed ? new PluginCrashedError(this.#plugin, reason, { started: false, cause }) : cause,
      );
    }
  }

  #release(): Waiting[] {
    const all = [...this.#waiting];
    this.#waiting.clear();
    for (const waiting of all) {
      clearTimeout(waiting.timer);
      if (waiting.onAbort !== undefined) {
        waiting.pending.signal?.removeEventListener("abort", waiting.onAbort);
      }
    }
    return all;
  }

  #drop(waiting: Waiting, error: unknown): void {
    if (!this.#waiting.delete(waiting)) return;
    clearTimeout(waiting.timer);
    if (waiting.onAbort !== undefined) {
      waiting.pending.signal?.removeEventListener("abort", waiting.onAbort);
    }
    waiting.pending.reject(error);
  }
}
