import type { PluginCrashedError } from "../errors/unanswered_errors.ts";
import type { Isolate, IsolateSpec, IsolationTier } from "../isolation/types.ts";
import type { SymbolInfo } from "../wire/protocol.ts";
import {
  CALL,
  CALL_REFS,
  CANCEL,
  hostRecordLength,
  PING,
  RecordBatch,
  type RequestTag,
} from "../wire/records.ts";
import { createChannelBuffer } from "../wire/shared_channel.ts";
import { limitLog } from "../wire/log_limit.ts";
import { BatchTransport } from "./batch_transport.ts";
import { type Bounds, Pending } from "./pending.ts";
import { PendingRequests } from "./pending_requests.ts";
import { ReplyReader } from "./reply_reader.ts";
import { failUnsendable, requestProblem, writeRequest } from "./request_records.ts";
import { checkLowLatency, endedWhileLoading, Handshake } from "./handshake.ts";
import { StuckProbe } from "./stuck_probe.ts";
import { ConnectionEnd } from "./connection_end.ts";
import { TalkBack } from "./talk_back.ts";
import type { OpenOptions } from "./open_options.ts";
import { Incoming } from "./incoming.ts";

export type { Denial } from "./reply.ts";
export type { CallTarget, HostCallCheck, HostCallTargets } from "./host_calls.ts";
export type { Bounds } from "./pending.ts";
export type { OpenOptions } from "./open_options.ts";

/**
 * One live channel to a plugin's isolate: the handshake, then requests matched
 * to replies by id. Every request settles: with the reply, or with a typed
 * error on deadline, abort, crash or close.
 */
export class Connection {
  readonly #plugin: string;
  readonly #isolate: Isolate;
  readonly #maxMessageBytes: number;
  readonly #requests: PendingRequests;
  readonly #replies: ReplyReader;
  readonly #end: ConnectionEnd;
  #nextId = 1;
  /** The start, until the runtime answered it. */
  #handshake: Handshake | undefined;
  #onCrash: (error: PluginCrashedError) => void;
  readonly #options: OpenOptions;
  readonly #probe = new StuckProbe(
    (id) => this.#outbox.open().push(PING, id),
    (reason) => this.#end.stuck(reason),
  );
  readonly #outbox: RecordBatch;
  readonly #transport: BatchTransport;
  /** Whether large buffers are copied once and transferred (the tier clones and can transfer). */
  readonly #copyOnce: boolean;
  readonly #talkBack: TalkBack;
  readonly #incoming: Incoming = new Incoming({
    read: (records) => this.#replies.read(records),
    crash: (reason) => this.#end.crash(reason),
    log: (level, text) => this.#options.onLog?.(level, text),
    denied: (denial) => this.#options.onDenied?.(denial),
    wake: () => {
      if (this.#end.failure === undefined) this.#transport.drain();
    },
    answer: (message) => {
      if (this.#handshake === undefined) {
        return this.#broke(`a ${message.type} message after the start`);
      }
      this.#handshake.answer(message);
    },
  });

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
    this.#requests = new PendingRequests(
      plugin,
      (id) => this.#cancel(id),
      (pending) => this.#timedOut(pending),
    );
    this.#end = new ConnectionEnd({
      plugin,
      requests: this.#requests,
      stopProbe: () => this.#probe.stop(),
      terminate: () => this.#isolate.terminate(),
      ended: (failure) => this.#talkBack.end(failure),
      requeue: (pending) => this.#options.requeue?.(pending) ?? false,
      // During the start the handshake reports it, as the load's error; after it, the host hears of it.
      crashed: (crash) =>
        this.#handshake === undefined ? this.#onCrash(crash) : this.#handshake.ended(crash.reason),
    });
    this.#talkBack = new TalkBack({
      plugin,
      maxMessageBytes: options.maxMessageBytes,
      hostFunctions: options.hostFunctions,
      send: (...record) => {
        if (this.#end.failure === undefined) this.#outbox.open().push(...record);
      },
      open: () => this.#end.failure === undefined,
      denied: (name) => this.#options.onDenied?.({ kind: "host", value: name, symbol: undefined }),
      broke: (problem) => this.#broke(problem),
    });
    this.#replies = new ReplyReader(this.#requests, {
      plugin,
      maxMessageBytes: options.maxMessageBytes,
      probe: this.#probe,
      denied: (denial) => this.#options.onDenied?.(denial),
      broke: (problem) => this.#broke(problem),
      talkBack: this.#talkBack,
    });
    this.#outbox = new RecordBatch(
      (records, transfer) => {
        if (this.#end.failure === undefined) this.#transport.send(records, transfer);
      },
      hostRecordLength,
      (record, cause) => this.#unsendable(record, cause),
    );
    this.#isolate = start({
      message: (message) => this.#incoming.receive(message),
      exit: (reason) => this.#end.crash(reason),
      log: (level, text) => this.#options.onLog?.(level, text),
    });
    this.#transport = new BatchTransport(
      this.#isolate,
      (records, order) => this.#incoming.batch(records, order),
      (reason) => this.#end.crash(reason),
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
    checkLowLatency(tier, spec.plugin, options.lowLatency);
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
      if (connection.#end.failure !== undefined) {
        throw endedWhileLoading(spec.plugin, connection.#end.failure);
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
    return this.#end.failure === undefined ? this.#isolate.direct : undefined;
  }

  /** Whether requests go over the low-latency channel. */
  get lowLatency(): boolean {
    return this.#transport.lowLatency;
  }

  /** Whether the isolate has ended (crashed or closed). */
  get ended(): boolean {
    return this.#end.failure !== undefined;
  }

  /** How many requests are waiting for a reply. */
  get pending(): number {
    return this.#requests.size;
  }

  /** How many requests and streams from `p.stream()` are still under way: a drain waits for none. */
  get inFlight(): number {
    return this.#requests.size + this.#talkBack.streams.size;
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
    if (this.#end.failure !== undefined) return Promise.reject(this.#end.failure);
    if (bounds.signal?.aborted) return Promise.reject(bounds.signal.reason);
    const id = this.#nextId++;
    // Callbacks and streams among a call's arguments cross as references, valid until it settles.
    const byRef = tag === CALL ? this.#talkBack.references(id, payload as unknown[]) : undefined;
    const sent = byRef ?? payload;
    const refused = requestProblem(this.#plugin, tag, symbol, sent, this.#maxMessageBytes);
    if (refused !== undefined) {
      if (byRef !== undefined) this.#talkBack.releaseWhen(id);
      return Promise.reject(refused);
    }
    const resolvers = Promise.withResolvers<unknown>();
    const since = bounds.since ?? performance.now();
    const pending = new Pending(tag, symbol, sent, bounds, since, resolvers);
    pending.byRef = byRef !== undefined;
    this.#requests.add(id, pending);
    writeRequest(this.#outbox, id, byRef ? CALL_REFS : tag, symbol, sent, this.#copyOnce);
    if (byRef !== undefined) this.#talkBack.releaseWhen(id, resolvers.promise);
    return resolvers.promise;
  }

  /**
   * Calls a function whose result the plugin streams, and reads it.
   *
   * @returns The items as a stream, `window` items ahead of the reader at most; it errors with
   * the plugin's error, `PluginTimeoutError` when an item takes over `timeoutMs`, the signal's
   * reason, or `PluginCrashedError`/`PluginClosedError`.
   */
  stream(symbol: string, args: unknown[], bounds: Bounds & { window: number }): ReadableStream {
    const id = this.#nextId++;
    const byRef = this.#end.failure === undefined ? this.#talkBack.references(id, args) : undefined;
    const failure = this.#end.failure ??
      (bounds.signal?.aborted ? bounds.signal.reason : undefined) ??
      requestProblem(this.#plugin, CALL, symbol, byRef ?? args, this.#maxMessageBytes);
    if (failure !== undefined) {
      if (byRef !== undefined) this.#talkBack.releaseWhen(id);
      return new ReadableStream({ start: (controller) => controller.error(failure) });
    }
    return this.#talkBack.stream(id, symbol, byRef ?? args, bounds, byRef !== undefined);
  }

  /** A request passed its deadline (and failed): a plugin that does not answer a ping now is stuck. */
  #timedOut(pending: Pending): void {
    if (this.#end.failure === undefined) {
      this.#probe.start(this.#nextId++, pending);
    }
  }

  /** A record the outbox could not serialise: its request fails, naming what could not be sent. */
  #unsendable(record: unknown[], cause: unknown): void {
    failUnsendable(this.#plugin, record, cause, this.#requests, this.#talkBack);
  }

  /** The runtime sent what the protocol does not allow: the plugin is ended. */
  #broke(problem: string): void {
    this.#end.crash(`it broke the protocol: ${problem}`);
  }

  /** Tells plugin code the host gave up on a call, so that its signal aborts. */
  #cancel(id: number): void {
    if (this.#end.failure !== undefined) return;
    this.#outbox.open().push(CANCEL, id);
  }

  /** Rejects every pending request with `PluginClosedError` and ends the isolate. Idempotent. */
  close(): Promise<void> {
    return this.#end.close();
  }
}
