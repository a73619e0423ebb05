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
import { movable, outgoingRefusal } from "./outgoing_value.ts";

interface Stream {
  readonly iterator: AsyncIterator<unknown>;
  credit: number;
  pumping: boolean;
  cancelled: boolean;
  /** Items taken from the iterator but not yet in the outgoing batch. */
  unsent: unknown[];
  /** The buffers those items move rather than copy. */
  transfers: Transferable[];
}

/**
 * Microtask turns the iterator may take for its next item before the items
 * taken so far leave: a generator that does not wait gives its next item
 * within two or three, so a window's worth travels in one batch, while an
 * item that waits for I/O does not hold back the ones before it.
 */
const SAME_TICK_TURNS = 8;

/** What the streams report to the runtime's loop. */
export interface StreamsOutOptions {
  /** The records of the batch leaving at the end of this tick. */
  records(): unknown[];
  /** The host's payload limit, for each item. */
  maxMessageBytes(): number;
  /** A stream ended (done, failed or cancelled): the loop no longer waits for it. */
  ended(): void;
  /** Buffers to move with this tick's batch. */
  transfer(list: Transferable[]): void;
  /** Whether a large buffer is better copied once and moved than cloned (a worker). */
  copiesOnce?: boolean;
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
    const stream: Stream = {
      iterator,
      credit: window,
      pumping: false,
      cancelled: false,
      unsent: [],
      transfers: [],
    };
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
        const next = await this.#next(stream);
        if (stream.cancelled) return;
        if (next.done) {
          this.#streams.delete(id);
          this.#send(stream);
          return this.#finish([END, id]);
        }
        const refused = outgoingRefusal(next.value, "item", this.#options.maxMessageBytes());
        if (refused !== undefined) {
          this.#send(stream);
          this.#streams.delete(id);
          stream.cancelled = true;
          void Promise.resolve().then(() => stream.iterator.return?.()).catch(() => {});
          return this.#finish([ERR, id, refused]);
        }
        stream.credit--;
        const { sent, transfer } = movable(next.value, this.#options.copiesOnce === true);
        if (transfer !== undefined) stream.transfers.push(...transfer);
        stream.unsent.push(ITEM, id, sent);
      }
      this.#send(stream);
    } catch (error) {
      if (stream.cancelled) return;
      this.#send(stream);
      this.#streams.delete(id);
      this.#finish([ERR, id, toWireError(error)]);
    } finally {
      stream.pumping = false;
    }
  }

  /** Moves every stream's items taken so far into the outgoing batch. */
  flushAll(): void {
    for (const stream of this.#streams.values()) this.#send(stream);
  }

  /** Moves the items taken so far into the outgoing batch; a cancelled stream's are dropped. */
  #send(stream: Stream): void {
    if (stream.unsent.length === 0) return;
    if (!stream.cancelled) {
      this.#options.records().push(...stream.unsent);
      if (stream.transfers.length > 0) this.#options.transfer(stream.transfers);
    }
    stream.unsent = [];
    stream.transfers = [];
  }

  /** The iterator's next result; the items taken so far leave if it does not come at once. */
  async #next(stream: Stream): Promise<IteratorResult<unknown>> {
    const pending = stream.iterator.next();
    if (stream.unsent.length === 0) return await pending;
    let settled = false;
    pending.then(() => (settled = true), () => (settled = true));
    for (let turn = 0; turn < SAME_TICK_TURNS && !settled; turn++) await null;
    if (!settled) this.#send(stream);
    return await pending;
  }

  #finish(record: unknown[]): void {
    this.#options.records().push(...record);
    this.#options.ended();
  }
}
