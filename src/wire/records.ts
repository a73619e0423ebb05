/**
 * Requests and replies as flat records in one array per batch: a call is
 * `CALL, id, symbol, argc, ...args`, a reply `OK, id, value`. Structured clone
 * pays per object and per property name, so one flat array of 10,000 calls
 * clones about four times faster than 10,000 small message objects.
 *
 * @module
 */

/** Host → plugin: call a function. `CALL, id, symbol, argc, ...args`. */
export const CALL = 0;
/** Host → plugin: read a variable or constant. `GET, id, symbol`. */
export const GET = 1;
/** Host → plugin: write a variable. `SET, id, symbol, value`. */
export const SET = 2;
/** Host → plugin: the host gave up on a call; abort its signal. `CANCEL, id`. */
export const CANCEL = 3;
/** Host → plugin: answer with PONG if your event loop turns. `PING, id`. */
export const PING = 4;
/** Host → plugin: a host function the plugin called returned. `HOST_OK, id, value` (the plugin's id). */
export const HOST_OK = 5;
/** Host → plugin: a host function the plugin called failed or was refused. `HOST_ERR, id, error`. */
export const HOST_ERR = 6;
/**
 * Host → plugin: call a function whose result is streamed, with `window`
 * items of credit. `STREAM, id, symbol, window, argc, ...args`.
 */
export const STREAM = 7;
/** Host → plugin: the host read `n` items of stream `id`: `n` more may come. `PULL, id, n`. */
export const PULL = 8;
/**
 * Host → plugin: a call whose top-level arguments hold references (a
 * callback, a stream) written as `{ "@sandplug": kind, … }`. Laid out as `CALL`.
 */
export const CALL_REFS = 9;
/** Host → plugin: a streamed call whose top-level arguments hold references. Laid out as `STREAM`. */
export const STREAM_REFS = 10;

/** Plugin → host: a request succeeded. `OK, id, value`. */
export const OK = 0;
/** Plugin → host: a request failed. `ERR, id, error`. */
export const ERR = 1;
/** Plugin → host: the answer to a PING. `PONG, id`. */
export const PONG = 2;
/** Plugin → host: call a host function. `HOST_CALL, id, name, argc, ...args`, ids of the plugin's own. */
export const HOST_CALL = 3;
/** Plugin → host: plugin code gave up on a host call (its signal or deadline). `HOST_CANCEL, id`. */
export const HOST_CANCEL = 4;
/** Plugin → host: the next item of stream `id`. `ITEM, id, value`. */
export const ITEM = 5;
/** Plugin → host: stream `id` ended (its iterator is done, or it was cancelled and closed). `END, id`. */
export const END = 6;
/**
 * Plugin → host: plugin code started call `id` and has not answered yet
 * (an async call, or one not known to return quickly). `STARTED, id`. A call
 * the runtime never said so of, and never answered, never ran.
 */
export const STARTED = 7;

/** The kind of a request, by its record tag. */
export type RequestTag = typeof CALL | typeof GET | typeof SET;

/** How many slots the host → plugin record at `at` spans; 0 when it is malformed. */
export function hostRecordLength(records: readonly unknown[], at: number): number {
  switch (records[at]) {
    case CALL:
    case CALL_REFS: {
      const argc = records[at + 3];
      return typeof argc === "number" && argc >= 0 ? 4 + argc : 0;
    }
    case GET:
      return 3;
    case SET:
      return 4;
    case CANCEL:
    case PING:
      return 2;
    case HOST_OK:
    case HOST_ERR:
    case PULL:
      return 3;
    case STREAM:
    case STREAM_REFS: {
      const argc = records[at + 4];
      return typeof argc === "number" && argc >= 0 ? 5 + argc : 0;
    }
    default:
      return 0;
  }
}

/** How many slots the plugin → host record at `at` spans; 0 when it is malformed. */
export function pluginRecordLength(records: readonly unknown[], at: number): number {
  switch (records[at]) {
    case OK:
    case ERR:
    case ITEM:
      return 3;
    case PONG:
    case HOST_CANCEL:
    case END:
    case STARTED:
      return 2;
    case HOST_CALL: {
      const argc = records[at + 3];
      return typeof argc === "number" && argc >= 0 && Number.isInteger(argc) ? 4 + argc : 0;
    }
    default:
      return 0;
  }
}

/**
 * Collects the records of one tick and sends them together at its end. When
 * the batch cannot be serialised, each record goes on its own, so that only
 * the culprit fails.
 */
export class RecordBatch {
  readonly #send: (records: unknown[], transfer?: Transferable[]) => void;
  readonly #length: (records: readonly unknown[], at: number) => number;
  readonly #unsendable: (record: unknown[], cause: unknown) => void;
  #records: unknown[] = [];
  #transfers: Transferable[] | undefined;

  /**
   * @param send Sends one batch; throws when it cannot be serialised.
   * @param length The record layout, to split a batch that failed.
   * @param unsendable Told about a single record that could not be sent.
   */
  constructor(
    send: (records: unknown[], transfer?: Transferable[]) => void,
    length: (records: readonly unknown[], at: number) => number,
    unsendable: (record: unknown[], cause: unknown) => void,
  ) {
    this.#send = send;
    this.#length = length;
    this.#unsendable = unsendable;
  }

  /** The array to push this tick's next record onto; it leaves at the end of the tick. */
  open(): unknown[] {
    if (this.#records.length === 0) queueMicrotask(this.flush);
    return this.#records;
  }

  /** Buffers to move, rather than copy, with this tick's batch. */
  transfer(list: Transferable[] | undefined): void {
    if (list !== undefined) (this.#transfers ??= []).push(...list);
  }

  /** Sends what this tick queued now rather than at its end. */
  readonly flush = (): void => {
    const records = this.#records;
    const transfer = this.#transfers;
    this.#records = [];
    this.#transfers = undefined;
    if (records.length === 0) return;
    try {
      this.#send(records, transfer);
    } catch {
      this.#sendEach(records);
    }
  };

  #sendEach(records: unknown[]): void {
    for (let at = 0; at < records.length;) {
      const length = this.#length(records, at);
      if (length === 0) return;
      const record = records.slice(at, at + length);
      at += length;
      try {
        this.#send(record);
      } catch (cause) {
        this.#unsendable(record, cause);
      }
    }
  }
}
