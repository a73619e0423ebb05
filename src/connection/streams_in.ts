/**
 * The host's end of streams a plugin sends (`p.stream()`): each is a
 * `ReadableStream` whose items arrive as `ITEM` records. The host grants
 * credit: `window` items at the start, then, once half a window has been
 * read, that many more, so the plugin is never more than `window` items
 * ahead of the reader, and the
 * buffer here holds at most that many. Cancelling sends `CANCEL` and settles
 * once the plugin confirms with `END` (its generator's `finally` has run).
 * A crash, close, abort or an idle deadline errors the stream, typed.
 *
 * @module
 */
import type { PluginError } from "../errors/errors.ts";
import { PluginTimeoutError } from "../errors/unanswered_errors.ts";

/** What one stream needs from its connection. */
export interface StreamWiring {
  readonly plugin: string;
  readonly symbol: string;
  /** How long the reader waits for an item before the stream fails. */
  readonly idleTimeoutMs: number;
  /** How many items the plugin may be ahead of the reader. */
  readonly window: number;
  readonly signal?: AbortSignal;
  /** Grants `n` more items of credit. */
  pull(n: number): void;
  /** Tells the plugin the host stopped reading. */
  cancel(): void;
  /** The stream is over: its id may be forgotten. */
  forget(): void;
}

/** How long a cancel waits for the plugin's confirmation before it settles anyway. */
const CANCEL_WAIT_MS = 5_000;

/** One stream out of a plugin, as the host reads it. */
export class StreamIn {
  readonly readable: ReadableStream<unknown>;
  /** The function streaming. */
  readonly symbol: string;
  readonly #wiring: StreamWiring;
  readonly #buffer: unknown[] = [];
  #done = false;
  #failure: unknown;
  #failed = false;
  /** The reader waiting for an item, if any. */
  #wake: (() => void) | undefined;
  /** Settles a cancel once the plugin confirms. */
  #confirmed: (() => void) | undefined;
  #cancelled = false;
  /** Items read whose credit has not gone back yet. */
  #unpulled = 0;
  /** Items given to the reader, for the idle deadline's error. */
  #read = 0;

  constructor(wiring: StreamWiring) {
    this.#wiring = wiring;
    this.symbol = wiring.symbol;
    this.readable = new ReadableStream<unknown>({
      pull: (controller) => this.#pull(controller),
      cancel: () => this.#cancel(),
    }, { highWaterMark: 0 });
    wiring.signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  readonly #onAbort = () => {
    if (this.#settled) return;
    this.fail(this.#wiring.signal?.reason);
    this.#wiring.cancel();
  };

  get #settled(): boolean {
    return this.#done || this.#failed || this.#cancelled;
  }

  /** An `ITEM` arrived. */
  item(value: unknown): void {
    if (this.#settled) return;
    this.#buffer.push(value);
    this.#notify();
  }

  /** `END` arrived: the plugin's iterator is done, or confirmed a cancel. */
  end(): void {
    this.#done = true;
    this.#finish();
    this.#confirmed?.();
    this.#notify();
  }

  /** The stream fails with `error` (the plugin's, a crash, a close): pending reads reject. */
  fail(error: unknown): void {
    if (this.#failed || this.#done) return;
    this.#failed = true;
    this.#failure = error;
    this.#finish();
    this.#confirmed?.();
    this.#notify();
  }

  #finish(): void {
    this.#wiring.signal?.removeEventListener("abort", this.#onAbort);
    this.#wiring.forget();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #pull(controller: ReadableStreamDefaultController<unknown>): Promise<void> {
    for (;;) {
      if (this.#buffer.length > 0) {
        controller.enqueue(this.#buffer.shift());
        this.#read++;
        if (this.#done || this.#failed) return;
        // Credit goes back half a window at a time, as HTTP/2's WINDOW_UPDATE: one PULL per item
        // read would be one message per item, and would let the plugin send one item per message.
        if (++this.#unpulled >= Math.max(1, this.#wiring.window >> 1)) {
          this.#wiring.pull(this.#unpulled);
          this.#unpulled = 0;
        }
        return;
      }
      if (this.#failed) return controller.error(this.#failure);
      if (this.#done) return controller.close();
      await this.#nextEvent();
    }
  }

  /** Waits for an item, the end or a failure, within the idle deadline. */
  #nextEvent(): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    const { plugin, symbol, idleTimeoutMs } = this.#wiring;
    const since = performance.now();
    const timer = setTimeout(() => {
      // The idle deadline is per item: the error names the function streaming, and the item.
      const read = this.#read;
      this.fail(
        new PluginTimeoutError(plugin, symbol, idleTimeoutMs, {
          elapsedMs: performance.now() - since,
          detail: `its stream sent no next item in time (${read} item${
            read === 1 ? "" : "s"
          } before)`,
        }),
      );
      this.#wiring.cancel();
    }, Math.ceil(idleTimeoutMs));
    this.#wake = () => {
      clearTimeout(timer);
      resolve();
    };
    return promise;
  }

  /** The reader stopped (`cancel()`, or `break` in `for await`): the plugin's iterator is returned. */
  async #cancel(): Promise<void> {
    if (this.#settled) return;
    this.#cancelled = true;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#confirmed = resolve;
    this.#wiring.cancel();
    const timer = setTimeout(resolve, CANCEL_WAIT_MS);
    await promise;
    clearTimeout(timer);
    this.#finish();
  }
}

/** The streams a connection has open, by request id. */
export class OpenStreams {
  readonly #streams = new Map<number, StreamIn>();

  /** How many streams are open. */
  get size(): number {
    return this.#streams.size;
  }

  /** Starts tracking a stream. */
  add(id: number, stream: StreamIn): void {
    this.#streams.set(id, stream);
  }

  get(id: unknown): StreamIn | undefined {
    return this.#streams.get(id as number);
  }

  delete(id: number): void {
    this.#streams.delete(id);
  }

  /** The connection ended: every open stream fails with `error`. */
  failAll(error: PluginError): void {
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    for (const stream of streams) stream.fail(error);
  }
}
