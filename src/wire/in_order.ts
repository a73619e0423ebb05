/**
 * Runs a peer's batches in the order it sent them, holding any that
 * overtook another. With the low-latency channel, batches go through the
 * channel or as messages, whichever is free, so one may arrive before one
 * sent earlier: each side numbers what it sends.
 */
export class InOrder {
  readonly #run: (records: unknown[]) => void;
  readonly #held = new Map<number, unknown[]>();
  #next = 1;

  /** @param run Runs one batch. */
  constructor(run: (records: unknown[]) => void) {
    this.#run = run;
  }

  /** Whether a batch waits for one sent before it. */
  get holding(): boolean {
    return this.#held.size > 0;
  }

  /** How many batches wait for one sent before them: a peer that skips numbers grows it. */
  get held(): number {
    return this.#held.size;
  }

  /** Whether `order` is one this side has run or holds already: a peer repeating itself. */
  seen(order: number): boolean {
    return order < this.#next || this.#held.has(order);
  }

  /** Runs a batch now, or once those before it ran; `order` is absent without the channel. */
  take(order: number | undefined, records: unknown[]): void {
    if (order === undefined) return this.#run(records);
    if (order !== this.#next) {
      this.#held.set(order, records);
      return;
    }
    this.#run(records);
    for (this.#next++; this.#held.has(this.#next); this.#next++) {
      const held = this.#held.get(this.#next)!;
      this.#held.delete(this.#next);
      this.#run(held);
    }
  }
}
