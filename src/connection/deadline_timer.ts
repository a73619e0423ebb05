/**
 * One timer for all of a connection's deadlines: armed for the earliest one,
 * re-armed after it fires. It keeps the event loop alive only while calls are
 * pending: a pending call must settle (in the inline tier nothing else holds
 * the loop), but an idle connection must not keep the host from exiting.
 */
export class DeadlineTimer {
  readonly #onExpire: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #at = Infinity;

  /** @param onExpire Called when the earliest deadline passes; it re-arms for the next one. */
  constructor(onExpire: () => void) {
    this.#onExpire = onExpire;
  }

  /** Arms the timer for `deadline` (a `performance.now()` time) if it is the earliest. */
  arm(deadline: number, busy: boolean): void {
    if (this.#timer !== undefined && this.#at <= deadline) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#at = deadline;
    // Rounded up: a timer truncates a fractional delay, and would fire before the deadline.
    const delay = Math.max(0, Math.ceil(deadline - performance.now()));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#onExpire();
    }, delay);
    this.hold(busy);
  }

  /** Holds the event loop while `busy` (calls are pending), and lets it go otherwise. */
  hold(busy: boolean): void {
    if (this.#timer === undefined) return;
    const id = this.#timer as unknown as number;
    if (busy) Deno.refTimer(id);
    else Deno.unrefTimer(id);
  }

  /** Stops the timer. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
