/**
 * The versions of one plugin: the one running, the old ones still finishing
 * their calls after a hot reload, and the reload under way.
 *
 * @module
 */
import { drainThenClose } from "./drain.ts";
import type { Instance } from "./instance.ts";

/** The versions of one plugin; a handle holds one for its whole life. */
export class Versions {
  #current: Instance;
  /** Old versions still finishing their calls after a reload, closed with the plugin. */
  readonly #draining = new Set<Instance>();
  /** The reload under way, if any: reloads run one at a time. */
  #reloading: Promise<unknown> = Promise.resolve();
  /** Restarts of the versions a reload replaced. */
  #restartsBefore = 0;

  constructor(first: Instance) {
    this.#current = first;
  }

  /** The running version: what a new call goes to. */
  get current(): Instance {
    return this.#current;
  }

  /** How many times the plugin was restarted after a crash, over all its versions. */
  get restarts(): number {
    return this.#restartsBefore + this.#current.supervisor.restarts;
  }

  /** Runs `reload` after any reload under way has ended, however it ended. */
  queue<T>(reload: () => Promise<T>): Promise<T> {
    const next = this.#reloading.then(reload);
    this.#reloading = next.catch(() => {});
    return next;
  }

  /**
   * Makes `next` the running version: calls from now on go to it, while the
   * old one finishes what it has in flight (for up to `drainTimeoutMs`) and is
   * then closed.
   *
   * @returns A promise that settles, never rejecting, once the old version is closed.
   */
  swap(next: Instance, drainTimeoutMs: number): Promise<void> {
    const old = this.#current;
    this.#current = next;
    this.#restartsBefore += old.supervisor.restarts;
    this.#draining.add(old);
    return drainThenClose(old.supervisor, drainTimeoutMs).finally(() => this.#draining.delete(old));
  }

  /** Closes every version, then waits for a reload under way to end. */
  async close(): Promise<void> {
    await Promise.all(
      [this.#current, ...this.#draining].map((version) => version.supervisor.close()),
    );
    await this.#reloading;
  }
}
