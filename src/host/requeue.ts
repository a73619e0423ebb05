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
} from "../errors/unanswered_errors.ts";
import type { PluginError } from "../errors/errors.ts";
import type { Connection } from "../connection/connection.ts";
import type { Pending } from "../connection/pending.ts";

/** What a call's timeout says when it passed while the call waited here. */
const NEVER_RAN = "it never ran: the plugin crashed before it started it, " +
  "and was not restarted within the deadline";

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
    // Rounded up: a timer truncates a fractional delay, and would fire before the deadline.
    const left = Math.max(0, Math.ceil(pending.deadline - performance.now()));
    const waiting: Waiting = {
      pending,
      timer: setTimeout(() => this.#drop(waiting, this.#late(pending)), left),
      onAbort: pending.signal === undefined
        ? undefined
        : () => this.#drop(waiting, pending.signal?.reason),
    };
    if (waiting.onAbort !== undefined) {
      pending.signal?.addEventListener("abort", waiting.onAbort, { once: true });
    }
    this.#waiting.add(waiting);
  }

  /**
   * The plugin restarted: every waiting call is sent to it, with the time it
   * was made, so that its deadline and its errors count from then.
   */
  resend(connection: Connection): void {
    for (const waiting of this.#release()) {
      const { pending } = waiting;
      if (pending.deadline <= performance.now()) {
        pending.reject(this.#late(pending));
        continue;
      }
      connection.request(pending.tag, pending.symbol, pending.payload, {
        timeoutMs: pending.timeoutMs,
        signal: pending.signal,
        since: pending.since,
      }).then(pending.resolve, pending.reject);
    }
  }

  /**
   * The plugin ends for good: every waiting call fails, with a
   * `PluginClosedError` of its own when `cause` is one, else saying it never
   * ran and why (`reason`, by default the cause's).
   */
  failAll(cause: PluginError, reason?: string): void {
    const closed = cause instanceof PluginClosedError;
    const why = reason ?? (cause instanceof PluginCrashedError ? cause.reason : cause.message);
    const now = performance.now();
    for (const { pending } of this.#release()) {
      const elapsedMs = now - pending.since;
      pending.reject(
        closed
          ? new PluginClosedError(this.#plugin, pending.symbol, { elapsedMs, cause })
          : new PluginCrashedError(this.#plugin, why, { started: false, elapsedMs, cause }),
      );
    }
  }

  #late(pending: Pending): PluginTimeoutError {
    return new PluginTimeoutError(this.#plugin, pending.symbol, pending.timeoutMs, {
      elapsedMs: performance.now() - pending.since,
      detail: NEVER_RAN,
    });
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
