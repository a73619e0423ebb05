import type { Pending } from "./pending.ts";

/** How long a plugin may take to answer a ping after a deadline passed before it counts as stuck. */
const STUCK_GRACE_MS = 500;

/**
 * After a deadline passed, tells a slow plugin from a stuck one: a plugin
 * whose event loop does not answer a ping within the grace period is not
 * yielding. One ping at a time.
 */
export class StuckProbe {
  readonly #ping: (id: number) => void;
  readonly #stuck: (reason: string) => void;
  #id: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param ping Sends a ping with this id.
   * @param stuck Told, with why, when a ping went unanswered.
   */
  constructor(ping: (id: number) => void, stuck: (reason: string) => void) {
    this.#ping = ping;
    this.#stuck = stuck;
  }

  /** Pings the plugin because the request `late` passed its deadline, unless a ping is out already. */
  start(id: number, late: Pick<Pending, "symbol" | "timeoutMs" | "since">): void {
    if (this.#id !== undefined) return;
    this.#id = id;
    this.#timer = setTimeout(() => {
      this.#id = undefined;
      // The ping's own deadline and the call's age, measured: "stuck" must not read as "slow".
      const age = Math.round(performance.now() - late.since);
      this.#stuck(
        `it did not yield: it answered no ping within ${STUCK_GRACE_MS} ms after "${late.symbol}" passed its ` +
          `${late.timeoutMs} ms deadline (${age} ms after that call was made), so it was ended as stuck`,
      );
    }, STUCK_GRACE_MS);
    this.#ping(id);
  }

  /** The plugin answered ping `id`. */
  answered(id: unknown): void {
    if (id === this.#id) this.stop();
  }

  /** Forgets the ping out, if any (the plugin ended or answered). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#id = undefined;
  }
}
