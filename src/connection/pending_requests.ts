import type { PluginError } from "../errors/errors.ts";
import { PluginTimeoutError } from "../errors/unanswered_errors.ts";
import { DeadlineTimer } from "./deadline_timer.ts";
import type { Pending } from "./pending.ts";

/**
 * A connection's requests waiting for their reply, by id, with the one timer
 * for all their deadlines. A request leaves the table as it settles: with its
 * reply, or failed by its signal, its deadline or the end of the connection.
 */
export class PendingRequests {
  readonly #plugin: string;
  readonly #requests = new Map<number, Pending>();
  readonly #deadlines = new DeadlineTimer(() => this.#expire());
  readonly #cancel: (id: number) => void;
  readonly #timedOut: (pending: Pending) => void;

  /**
   * @param plugin The plugin's name, for the errors.
   * @param cancel Told of a request the host gave up on (aborted or past its deadline), after it failed.
   * @param timedOut Told of a request that passed its deadline, after `cancel`.
   */
  constructor(
    plugin: string,
    cancel: (id: number) => void,
    timedOut: (pending: Pending) => void,
  ) {
    this.#plugin = plugin;
    this.#cancel = cancel;
    this.#timedOut = timedOut;
  }

  /** How many requests are waiting. */
  get size(): number {
    return this.#requests.size;
  }

  /** The request `id` names, if it still waits (a late reply names one that timed out or was aborted). */
  get(id: unknown): Pending | undefined {
    return this.#requests.get(id as number);
  }

  /** Adds a request: its deadline is armed, and its signal, if any, fails it. */
  add(id: number, pending: Pending): void {
    const signal = pending.signal;
    if (signal !== undefined) {
      pending.onAbort = () => {
        if (this.#requests.get(id) !== pending) return;
        this.fail(id, pending, signal.reason);
        this.#cancel(id);
      };
      signal.addEventListener("abort", pending.onAbort, { once: true });
    }
    this.#requests.set(id, pending);
    if (this.#requests.size === 1) this.#deadlines.hold(true);
    this.#deadlines.arm(pending.deadline, true);
  }

  /** Removes a request and rejects it with `error`. */
  fail(id: number, pending: Pending, error: unknown): void {
    this.settle(id, pending, false, error);
  }

  /** Removes a request and settles it. */
  settle(id: number, pending: Pending, ok: boolean, value: unknown): void {
    this.#requests.delete(id);
    if (pending.onAbort !== undefined) {
      pending.signal?.removeEventListener("abort", pending.onAbort);
    }
    if (this.#requests.size === 0) this.#deadlines.hold(false);
    if (ok) pending.resolve(value);
    else pending.reject(value);
  }

  /**
   * Stops the deadlines and fails every request with the error `errorFor`
   * gives it; one it gives none for is handed over as it is (to be sent
   * again elsewhere), neither settled nor watched any more.
   */
  failAll(errorFor: (pending: Pending) => PluginError | undefined): void {
    this.#deadlines.clear();
    for (const [id, pending] of [...this.#requests]) {
      const error = errorFor(pending);
      if (error !== undefined) {
        this.fail(id, pending, error);
        continue;
      }
      this.#requests.delete(id);
      if (pending.onAbort !== undefined) {
        pending.signal?.removeEventListener("abort", pending.onAbort);
      }
    }
    if (this.#requests.size === 0) this.#deadlines.hold(false);
  }

  /** Times out every request past its deadline, then re-arms for the next one. */
  #expire(): void {
    const now = performance.now();
    let next = Infinity;
    for (const [id, pending] of this.#requests) {
      // Past it, not nearly: the error names the time elapsed, which must not fall short of the deadline.
      if (pending.deadline <= now) {
        this.fail(
          id,
          pending,
          new PluginTimeoutError(this.#plugin, pending.symbol, pending.timeoutMs, {
            elapsedMs: now - pending.since,
          }),
        );
        this.#cancel(id);
        this.#timedOut(pending);
      } else if (pending.deadline < next) {
        next = pending.deadline;
      }
    }
    if (next !== Infinity) this.#deadlines.arm(next, this.#requests.size > 0);
  }
}
