import { type PluginError, PluginLoadError } from "../errors/errors.ts";
import {
  PayloadTooLargeError,
  PluginClosedError,
  PluginCrashedError,
  PluginTimeoutError,
  ValidationError,
} from "../errors/call_errors.ts";
import type { Isolate, IsolateSpec, IsolationTier } from "../isolation/types.ts";
import type { LogLevel, PluginMessage, SymbolInfo } from "../wire/protocol.ts";
import { measure } from "../wire/payload.ts";
import { takeTransfers } from "../wire/transfer.ts";
import { DeadlineTimer } from "./deadline_timer.ts";
import {
  CALL,
  CANCEL,
  GET,
  hostRecordLength,
  OK,
  PING,
  pluginRecordLength,
  PONG,
  RecordBatch,
  type RequestTag,
  SET,
} from "../wire/records.ts";
import {
  callFailure,
  type Denial,
  deniedIn,
  remoteError,
  resultProblem,
  unclonablePath,
} from "./reply.ts";
import { createChannelBuffer } from "../wire/shared_channel.ts";
import { BatchTransport } from "./batch_transport.ts";
import { type Bounds, Pending } from "./pending.ts";
import { Handshake } from "./handshake.ts";
import { StuckProbe } from "./stuck_probe.ts";
import { copyOnce } from "../wire/copy_once.ts";
import { MAX_REASON_CHARS, messageProblem } from "./message_check.ts";
import { neutraliseText } from "../wire/log_text.ts";
import { limitLog } from "../wire/log_limit.ts";

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export type { Denial } from "./reply.ts";
export type { Bounds } from "./pending.ts";

/** How to open a connection: the load's bounds, the payload limit, and who hears of a crash. */
export interface OpenOptions extends Bounds {
  maxMessageBytes: number;
  onCrash(error: PluginCrashedError): void;
  /** A line plugin code logged. */
  onLog?(level: LogLevel, text: string): void;
  /** Plugin code was refused a permission (seen in an error it let through). */
  onDenied?(denial: Denial): void;
  /** Open the low-latency channel (worker tier only: it shares memory with the plugin). */
  lowLatency?: boolean;
}

/**
 * One live channel to a plugin's isolate: the handshake, then requests matched
 * to replies by id. Every request settles: with the reply, or with a typed
 * error on deadline, abort, crash or close.
 */
export class Connection {
  readonly #plugin: string;
  readonly #isolate: Isolate;
  readonly #maxMessageBytes: number;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #failure: PluginError | undefined;
  /** The start, until the runtime answered it. */
  #handshake: Handshake | undefined;
  #onCrash: (error: PluginCrashedError) => void;
  readonly #options: OpenOptions;
  readonly #probe = new StuckProbe(
    (id) => this.#outbox.open().push(PING, id),
    (reason) => this.#stuck(reason),
  );
  readonly #deadlines = new DeadlineTimer(() => this.#expire());
  readonly #outbox: RecordBatch;
  readonly #transport: BatchTransport;
  /** Whether large buffers are copied once and transferred (the tier clones and can transfer). */
  readonly #copyOnce: boolean;

  private constructor(
    plugin: string,
    start: (events: Parameters<IsolationTier["start"]>[1]) => Isolate,
    options: OpenOptions,
    copies: boolean,
  ) {
    this.#plugin = plugin;
    this.#onCrash = options.onCrash;
    // Each plugin's log lines are split, neutralised and rate-limited before they reach the host.
    this.#options = options.onLog
      ? { ...options, onLog: limitLog(options.onLog.bind(options)) }
      : options;
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#copyOnce = copies;
    this.#outbox = new RecordBatch(
      (records, transfer) => {
        if (this.#failure === undefined) this.#transport.send(records, transfer);
      },
      hostRecordLength,
      (record, cause) => this.#unsendable(record, cause),
    );
    this.#isolate = start({
      message: (message) => this.#receive(message),
      exit: (reason) => this.#crash(reason),
      log: (level, text) => this.#options.onLog?.(level, text),
    });
    this.#transport = new BatchTransport(
      this.#isolate,
      (records) => this.#receiveRecords(records),
      (reason) => {
        void this.#isolate.terminate();
        this.#crash(reason);
      },
    );
  }

  /**
   * Starts an isolate and completes the handshake.
   *
   * @returns The connection and the plugin's exports.
   * @throws {PluginLoadError} On a load error, a top-level throw, no answer in time, or a `lowLatency` the tier cannot serve.
   * @throws {IncompatiblePluginError} When the runtime speaks another protocol version.
   */
  static async open(
    tier: IsolationTier,
    spec: IsolateSpec,
    options: OpenOptions,
  ): Promise<{ connection: Connection; symbols: SymbolInfo[] }> {
    options.signal?.throwIfAborted();
    if (options.lowLatency && tier.lowLatency === undefined) {
      throw new PluginLoadError(
        spec.plugin,
        `the ${tier.name} tier cannot open a low-latency channel (lowLatency: true): it shares no memory ` +
          'with the host; load it with isolation: "worker", or without lowLatency',
      );
    }
    const connection = new Connection(
      spec.plugin,
      (events) => tier.start(spec, events),
      options,
      tier.clones === true,
    );
    try {
      const buffer = options.lowLatency && tier.lowLatency === "channel"
        ? createChannelBuffer()
        : undefined;
      const handshake = new Handshake(connection.#isolate, spec, options, buffer);
      connection.#handshake = handshake;
      const symbols = await handshake.done.finally(() => connection.#handshake = undefined);
      // Ended between its answer and now (it broke the protocol right after `ready`): no one would hear of it.
      const failure = connection.#failure;
      if (failure !== undefined) {
        throw new PluginLoadError(
          spec.plugin,
          `its isolate ended while loading: ${
            failure instanceof PluginCrashedError ? failure.reason : failure.message
          }`,
          { cause: failure },
        );
      }
      if (buffer !== undefined) connection.#transport.openChannel(buffer);
      return { connection, symbols };
    } catch (error) {
      await connection.#isolate.terminate();
      throw error;
    }
  }

  /** The plugin's exports, for a tier in the host's own isolate; calls may skip messages. */
  get direct(): Readonly<Record<string, unknown>> | undefined {
    return this.#failure === undefined ? this.#isolate.direct : undefined;
  }

  /** Whether requests go over the low-latency channel. */
  get lowLatency(): boolean {
    return this.#transport.lowLatency;
  }

  /** Whether the isolate has ended (crashed or closed). */
  get ended(): boolean {
    return this.#failure !== undefined;
  }

  /** How many requests are waiting for a reply. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Sends a request and waits for its reply.
   *
   * @param tag What the request does: `CALL`, `GET` or `SET`.
   * @param payload The arguments of a call (an array the connection may keep), or the value of a set.
   * @throws {PluginCallError} When plugin code threw.
   * @throws {PluginTimeoutError} When the deadline passed.
   * @throws {PluginCrashedError} When the isolate ended first.
   * @throws {PluginClosedError} When the plugin was closed first.
   * @throws {ValidationError} When the request cannot be serialised.
   */
  request(tag: RequestTag, symbol: string, payload: unknown, bounds: Bounds): Promise<unknown> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const signal = bounds.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (tag !== GET) {
      const { bytes } = measure(payload, this.#maxMessageBytes);
      if (bytes > this.#maxMessageBytes) {
        return Promise.reject(
          new PayloadTooLargeError(
            this.#plugin,
            symbol,
            tag === CALL ? "arguments" : "value",
            bytes,
            this.#maxMessageBytes,
          ),
        );
      }
    }
    const id = this.#nextId++;
    const resolvers = Promise.withResolvers<unknown>();
    const deadline = performance.now() + bounds.timeoutMs;
    const pending = new Pending(tag, symbol, payload, bounds, deadline, resolvers);
    if (signal !== undefined) {
      pending.onAbort = () => {
        if (this.#pending.get(id) !== pending) return;
        this.#fail(id, pending, signal.reason);
        this.#cancel(id);
      };
      signal.addEventListener("abort", pending.onAbort, { once: true });
    }
    this.#pending.set(id, pending);
    if (this.#pending.size === 1) this.#deadlines.hold(true);
    this.#deadlines.arm(deadline, true);
    const records = this.#outbox.open();
    if (tag === CALL) {
      const args = payload as unknown[];
      const marked = takeTransfers(args);
      records.push(CALL, id, symbol, args.length);
      for (let index = 0; index < args.length; index++) {
        const copied = this.#copyOnce && marked === undefined ? copyOnce(args[index]) : undefined;
        records.push(copied === undefined ? args[index] : copied.value);
        if (copied !== undefined) this.#outbox.transfer([copied.transfer]);
      }
      this.#outbox.transfer(marked);
    } else if (tag === SET) {
      records.push(SET, id, symbol, payload);
      this.#outbox.transfer(takeTransfers([payload]));
    } else {
      records.push(GET, id, symbol);
    }
    return resolvers.promise;
  }

  /** Removes a request and rejects it with `error`. */
  #fail(id: number, pending: Pending, error: unknown): void {
    this.#settle(id, pending, false, error);
  }

  /** Removes a request and settles it. */
  #settle(id: number, pending: Pending, ok: boolean, value: unknown): void {
    this.#pending.delete(id);
    if (pending.onAbort !== undefined) {
      pending.signal?.removeEventListener("abort", pending.onAbort);
    }
    if (this.#pending.size === 0) this.#deadlines.hold(false);
    if (ok) pending.resolve(value);
    else pending.reject(value);
  }

  /** Times out every request past its deadline, then re-arms for the next one. */
  #expire(): void {
    const now = performance.now();
    let next = Infinity;
    for (const [id, pending] of this.#pending) {
      if (pending.deadline <= now + 1) {
        this.#fail(
          id,
          pending,
          new PluginTimeoutError(this.#plugin, pending.symbol, pending.timeoutMs),
        );
        this.#cancel(id);
        if (this.#failure === undefined) {
          this.#probe.start(this.#nextId++, pending.symbol, pending.timeoutMs);
        }
      } else if (pending.deadline < next) {
        next = pending.deadline;
      }
    }
    if (next !== Infinity) this.#deadlines.arm(next, this.#pending.size > 0);
  }

  /** A record the outbox could not serialise: its request fails, naming what could not be sent. */
  #unsendable(record: unknown[], cause: unknown): void {
    const id = record[1] as number;
    const pending = this.#pending.get(id);
    if (pending === undefined || (record[0] !== CALL && record[0] !== SET)) return;
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.#fail(
      id,
      pending,
      new ValidationError(
        this.#plugin,
        pending.symbol,
        unclonablePath(pending.tag, pending.payload),
        `cannot be sent to the plugin: ${reason}`,
        { cause },
      ),
    );
  }

  /** A message from the runtime: checked as hostile input, then acted on. */
  #receive(message: PluginMessage): void {
    const problem = messageProblem(message);
    if (problem !== undefined) return this.#broke(problem);
    try {
      switch (message.type) {
        case "batch":
          return this.#receiveRecords(message.records);
        case "exit":
          this.#isolate.terminate();
          return this.#crash(message.reason);
        case "log":
          return this.#options.onLog?.(message.level, message.text);
        case "wake":
          if (this.#failure === undefined) this.#transport.drain();
          return;
        default:
          if (this.#handshake === undefined) {
            return this.#broke(`a ${message.type} message after the start`);
          }
          return this.#handshake.answer(message);
      }
    } catch (error) {
      // Whatever a plugin sends, the host survives it: a message it cannot take ends the plugin.
      this.#broke(`the host could not handle its ${message.type} message (${errorText(error)})`);
    }
  }

  /** The runtime sent what the protocol does not allow: the plugin is ended. */
  #broke(problem: string): void {
    if (this.#failure !== undefined) return;
    void this.#isolate.terminate();
    this.#crash(`it broke the protocol: ${problem}`);
  }

  /** Replies and pongs; a malformed record ends the plugin (a hostile runtime may send anything). */
  #receiveRecords(records: unknown[]): void {
    for (let at = 0; at < records.length;) {
      const length = pluginRecordLength(records, at);
      if (length === 0 || at + length > records.length) {
        return this.#broke(`record ${at} of a reply batch is malformed`);
      }
      const id = records[at + 1];
      if (records[at] === PONG) {
        this.#probe.answered(id);
      } else {
        // Undefined for a late reply to a request that already timed out or was aborted.
        const pending = this.#pending.get(id as number);
        if (pending !== undefined) {
          if (records[at] === OK) this.#accept(id as number, pending, records[at + 2]);
          else this.#refused(id as number, pending, records[at + 2]);
        }
      }
      at += length;
    }
  }

  /** A request plugin code failed: a call error, or a result too large to send. */
  #refused(id: number, pending: Pending, error: unknown): void {
    const remote = remoteError(error, this.#maxMessageBytes);
    const denial = deniedIn(remote.message, pending.symbol);
    if (denial !== undefined) this.#options.onDenied?.(denial);
    this.#fail(
      id,
      pending,
      callFailure(this.#plugin, pending.symbol, remote, this.#maxMessageBytes),
    );
  }

  /** A request plugin code answered: its value, once checked. */
  #accept(id: number, pending: Pending, value: unknown): void {
    const problem = resultProblem(this.#plugin, pending.symbol, value, this.#maxMessageBytes);
    if (problem === undefined) this.#settle(id, pending, true, value);
    else this.#fail(id, pending, problem);
  }

  #failAll(error: PluginError): void {
    this.#failure ??= error;
    this.#rejectAll(() => error);
  }

  /** Settles every pending request with the error `errorFor` gives it. */
  #rejectAll(errorFor: (pending: Pending) => PluginError): void {
    this.#deadlines.clear();
    for (const [id, pending] of [...this.#pending]) {
      this.#fail(id, pending, errorFor(pending));
    }
  }

  #crash(reason: string): void {
    // Reasons carry plugin text (exit reasons, uncaught errors): one bounded, printable line.
    reason = neutraliseText(reason, MAX_REASON_CHARS);
    this.#probe.stop();
    if (this.#failure !== undefined) return;
    const error = new PluginCrashedError(this.#plugin, reason);
    this.#failAll(error);
    if (this.#handshake !== undefined) this.#handshake.ended(reason);
    else this.#onCrash(error);
  }

  /** Tells plugin code the host gave up on a call, so that its signal aborts. */
  #cancel(id: number): void {
    if (this.#failure !== undefined) return;
    this.#outbox.open().push(CANCEL, id);
  }

  /** A plugin that does not yield: its isolate is ended, and its pending calls time out. */
  #stuck(reason: string): void {
    if (this.#failure !== undefined) return;
    const crash = new PluginCrashedError(this.#plugin, reason);
    this.#failure = crash;
    this.#rejectAll((pending) =>
      new PluginTimeoutError(this.#plugin, pending.symbol, pending.timeoutMs)
    );
    void this.#isolate.terminate();
    this.#onCrash(crash);
  }

  /** Rejects every pending request with `PluginClosedError` and ends the isolate. Idempotent. */
  async close(): Promise<void> {
    this.#probe.stop();
    if (this.#failure === undefined) {
      this.#failAll(new PluginClosedError(this.#plugin, "the pending call"));
    }
    await this.#isolate.terminate();
  }
}
