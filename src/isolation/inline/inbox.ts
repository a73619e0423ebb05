/**
 * Messages to one inline plugin, each handled in the plugin's async
 * context, cheaply. Entering a context (`AsyncLocalStorage.run`) would add
 * 0.3 µs or more to each message call, a fifth of it or more; so a loop is
 * started once in the plugin's context and waits for messages: V8 resumes an
 * `await` in the context it was made in, so every message the loop takes runs
 * there for the price of resolving a promise.
 *
 * @module
 */
import { type PluginContext, runAsPlugin } from "./plugin_context.ts";

/** A plugin's inbox: messages pushed from anywhere are handled, in order, as its code. */
export class Inbox<T> {
  readonly #queue: T[] = [];
  #wake: (() => void) | undefined;
  #closed = false;

  /**
   * @param context The plugin whose context the messages are handled in.
   * @param handle Handles one message; what it throws is thrown again as an uncaught error, as a
   * throw in a microtask would be, and the next message is handled all the same.
   */
  constructor(context: PluginContext, handle: (message: T) => void) {
    void runAsPlugin(context, () => this.#loop(handle));
  }

  /** Hands `message` over; it is handled asynchronously, as a microtask would be. */
  push(message: T): void {
    if (this.#closed) return;
    this.#queue.push(message);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Drops what is queued and ends the loop. */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #loop(handle: (message: T) => void): Promise<void> {
    while (!this.#closed) {
      if (this.#queue.length === 0) {
        await new Promise<void>((resolve) => this.#wake = resolve);
        continue;
      }
      const message = this.#queue.shift() as T;
      try {
        handle(message);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
