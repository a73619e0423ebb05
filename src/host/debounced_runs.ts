/**
 * Debounced, serialised runs of one task per key: what the plugin watcher
 * does per plugin, apart from the file system.
 *
 * @module
 */

/** One key's state: a pending debounce, the run in progress, and whether another is owed. */
interface Slot {
  timer: ReturnType<typeof setTimeout> | undefined;
  running: Promise<void> | undefined;
  again: boolean;
}

/**
 * Runs `run(key)` once a key has gone `delayMs` without a `touch()`, never
 * twice at once for one key: a touch during a run owes exactly one more run,
 * debounced again after it ends (the burst that caused it may not be over).
 * A key is forgotten once idle, so keys that come and go do not pile up.
 */
export class DebouncedRuns<K> {
  readonly #delayMs: number;
  readonly #run: (key: K) => Promise<void>;
  readonly #skip: (key: K) => boolean;
  readonly #slots = new Map<K, Slot>();
  #closed = false;

  /**
   * Makes the runner.
   *
   * @param delayMs How long a key must go untouched before it runs.
   * @param run The task; it must not reject.
   * @param skip Checked when the delay ends: true drops the run (e.g. the plugin closed).
   */
  constructor(delayMs: number, run: (key: K) => Promise<void>, skip: (key: K) => boolean) {
    this.#delayMs = delayMs;
    this.#run = run;
    this.#skip = skip;
  }

  /** Schedules a run of `key`, or one more after the run in progress. */
  touch(key: K): void {
    if (this.#closed) return;
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = { timer: undefined, running: undefined, again: false };
      this.#slots.set(key, slot);
    }
    if (slot.running) {
      slot.again = true;
      return;
    }
    clearTimeout(slot.timer);
    const owned = slot;
    slot.timer = setTimeout(() => this.#start(key, owned), this.#delayMs);
  }

  /** Drops every pending run and waits for those in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const slot of this.#slots.values()) {
      clearTimeout(slot.timer);
      slot.again = false;
    }
    await Promise.all([...this.#slots.values()].map((slot) => slot.running));
    this.#slots.clear();
  }

  #start(key: K, slot: Slot): void {
    slot.timer = undefined;
    if (this.#closed || this.#skip(key)) {
      this.#slots.delete(key);
      return;
    }
    slot.running = this.#run(key).then(() => {
      slot.running = undefined;
      if (slot.again && !this.#closed) {
        slot.again = false;
        this.touch(key);
      } else {
        this.#slots.delete(key);
      }
    });
  }
}
