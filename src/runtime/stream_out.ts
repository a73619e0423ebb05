/**
 * Streams out of a plugin: a function the host reads with `p.stream()`
 * returns an async iterable (an `async function*`) or a `ReadableStream`,
 * and its items leave as `ITEM` records, one per unit of credit the host
 * gave. The iterator is never pulled past the credit, so a plugin's generator
 * runs only as far ahead of the host as the host's window allows. A cancel
 * from the host returns the iterator (a generator's `finally` runs), then
 * says `END`.
 *
 * @module
 */
import { END, ERR, ITEM } from "../wire/records.ts";
import { toWireError } from "../wire/error_data.ts";
import { outgoingRefusal } from "./outgoing_value.ts";

interface Stream {
  readonly iterator: AsyncIterator<unknown>;
  credit: number;
  pumping: boolean;
  cancelled: boolean;
}

/** What the streams report to the runtime's loop. */
export interface StreamsOutOptions {
  /** The records of the batch leaving at the end of this tick. */
  records(): unknown[];
  /** The host's payload limit, for each item. */
  maxMessageBytes(): number;
  /** A stream ended (done, failed or cancelled): the loop no longer waits for it. */
  ended(): void;
}

/** The iterator of a function's result, or undefined when it cannot be streamed. */
function iteratorOf(value: unknown): AsyncIterator<unknown> | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const asyncIterator = (value as AsyncIterable<unknown>)[Symbol.asyncIterator];
  if (typeof asyncIterator === "function") return asyncIterator.call(value);
  return undefined;
}

/** The streams one runtime serves. */
export class StreamsOut {
  readonly #options: StreamsOutOptions;
  readonly #streams = new Map<number, Stream>();

  constructor(options: StreamsOutOptions) {
    this.#options = options;
  }

  /** A streamed call returned `value`: it starts flowing, `window` items ahead at most. */
  start(id: number, symbol: string, value: unknown, window: number): void {
    const iterator = iteratorOf(value);
    if (iterator === undefined) {
      this.#options.records().push(ERR, id, {
        name: "TypeError",
        message:
          `"${symbol}" returned ${
            value === null ? "null" : typeof value
          }, not an async iterable or ReadableStream; return one (e.g. from an async function*) ` +
          "to be read with p.stream(), or call it with p.call()",
      });
      return this.#options.ended();
    }
    const stream: Stream = { iterator, credit: window, pumping: false, cancelled: false };
    this.#streams.set(id, stream);
    void this.#pump(id, stream);
  }

  /** The host read `n` more items. */
  pull(id: unknown, n: unknown): void {
    const stream = this.#streams.get(id as number);
    if (stream === undefined || typeof n !== "number" || !(n > 0)) return;
    stream.credit += n;
    void this.#pump(id as number, stream);
  }

  /** The host stopped reading: the iterator is returned (its `finally` runs), then `END`. */
  cancel(id: unknown): boolean {
    const stream = this.#streams.get(id as number);
    if (stream === undefined) return false;
    stream.cancelled = true;
    this.#streams.delete(id as number);
    const finish = () => this.#finish([END, id]);
    Promise.resolve()
      .then(() => stream.iterator.return?.())
      .then(finish, (error) => this.#finish([ERR, id, toWireError(error)]));
    return true;
  }

  async #pump(id: number, stream: Stream): Promise<void> {
    if (stream.pumping) return;
    stream.pumping = true;
    try {
      while (stream.credit > 0 && !stream.cancelled) {
        const next = await stream.iterator.next();
        if (stream.cancelled) return;
        if (next.done) {
          this.#streams.delete(id);
          return this.#finish([END, id]);
        }
        const refused = outgoingRefusal(next.value, "item", this.#options.maxMessageBytes());
        if (refused !== undefined) {
          this.#streams.delete(id);
          stream.cancelled = true;
          void Promise.resolve().then(() => stream.iterator.return?.()).catch(() => {});
          return this.#finish([ERR, id, refused]);
        }
        stream.credit--;
        this.#options.records().push(ITEM, id, next.value);
      }
    } catch (error) {
      if (stream.cancelled) return;
      this.#streams.delete(id);
      this.#finish([ERR, id, toWireError(error)]);
    } finally {
      stream.pumping = false;
    }
  }

  #finish(record: unknown[]): void {
    this.#options.records().push(...record);
    this.#options.ended();
  }
}
