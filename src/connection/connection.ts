import { PluginLoadError } from "../errors/errors.ts";
import { PluginCrashedError, ValidationError } from "../errors/call_errors.ts";
import type { Isolate, IsolateSpec, IsolationTier } from "../isolation/types.ts";
import type { LogLevel, PluginMessage, SymbolInfo } from "../wire/protocol.ts";
import { errorText } from "../wire/error_text.ts";
import {
  CALL,
  CANCEL,
  hostRecordLength,
  PING,
  RecordBatch,
  type RequestTag,
  SET,
} from "../wire/records.ts";
import { createChannelBuffer } from "../wire/shared_channel.ts";
import { limitLog } from "../wire/log_limit.ts";
import { type Denial, unclonablePath } from "./reply.ts";
import { BatchTransport } from "./batch_transport.ts";
import { type Bounds, Pending } from "./pending.ts";
import { PendingRequests } from "./pending_requests.ts";
import { ReplyReader } from "./reply_reader.ts";
import { requestProblem, writeRequest } from "./request_records.ts";
import { Handshake } from "./handshake.ts";
import { StuckProbe } from "./stuck_probe.ts";
import { ConnectionEnd } from "./connection_end.ts";
import { messageProblem } from "./message_check.ts";
import { MAX_ENV_NAME_CHARS, MAX_ENV_PROBES } from "../wire/env_probe_limits.ts";
import { neutraliseText } from "../wire/log_text.ts";

export type { Denial } from "./reply.ts";
export type { Bounds } from "./pending.ts";

/** How to open a connection: the load's bounds, the payload limit, and who hears of a crash. */
export interface OpenOptions extends Bounds {
  maxMessageBytes: number;
  onCrash(error: PluginCrashedError): void;
  /** A line plugin code logged. */
  onLog?(level: LogLevel, text: string): void;
  /** Plugin code was refused a permission (seen in an error it let through, or an environment probe). */
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
  /** How many environment probes the runtime reported: the host bounds them too. */
  #envProbes = 0;

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
      // During the start the handshake reports it, as the load's error; after it, the host hears of it.
      crashed: (crash) =>
        this.#handshake === undefined ? this.#onCrash(crash) : this.#handshake.ended(crash.reason),
    });
    this.#replies = new ReplyReader(this.#requests, {
      plugin,
      maxMessageBytes: options.maxMessageBytes,
      probe: this.#probe,
      denied: (denial) => this.#options.onDenied?.(denial),
      broke: (problem) => this.#broke(problem),
    });
    this.#outbox = new RecordBatch(
      (records, transfer) => {
        if (this.#end.failure === undefined) this.#transport.send(records, transfer);
      },
      hostRecordLength,
      (record, cause) => this.#unsendable(record, cause),
    );
    this.#isolate = start({
      message: (message) => this.#receive(message),
      exit: (reason) => this.#end.crash(reason),
      log: (level, text) => this.#options.onLog?.(level, text),
    });
    this.#transport = new BatchTransport(
      this.#isolate,
      (records) => this.#replies.read(records),
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
      const failure = connection.#end.failure;
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
    const refused = requestProblem(this.#plugin, tag, symbol, payload, this.#maxMessageBytes);
    if (refused !== undefined) return Promise.reject(refused);
    const id = this.#nextId++;
    const resolvers = Promise.withResolvers<unknown>();
    const deadline = performance.now() + bounds.timeoutMs;
    this.#requests.add(id, new Pending(tag, symbol, payload, bounds, deadline, resolvers));
    writeRequest(this.#outbox, id, tag, symbol, payload, this.#copyOnce);
    return resolvers.promise;
  }

  /** A request passed its deadline (and failed): a plugin that does not answer a ping now is stuck. */
  #timedOut(pending: Pending): void {
    if (this.#end.failure === undefined) {
      this.#probe.start(this.#nextId++, pending.symbol, pending.timeoutMs);
    }
  }

  /** A record the outbox could not serialise: its request fails, naming what could not be sent. */
  #unsendable(record: unknown[], cause: unknown): void {
    const id = record[1] as number;
    const pending = this.#requests.get(id);
    if (pending === undefined || (record[0] !== CALL && record[0] !== SET)) return;
    this.#requests.fail(
      id,
      pending,
      new ValidationError(
        this.#plugin,
        pending.symbol,
        unclonablePath(pending.tag, pending.payload),
        `cannot be sent to the plugin: ${errorText(cause)}`,
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
          return this.#replies.read(message.records);
        case "exit":
          return this.#end.crash(message.reason);
        case "log":
          return this.#options.onLog?.(message.level, message.text);
        case "denied":
          if (++this.#envProbes > MAX_ENV_PROBES) return;
          return this.#options.onDenied?.({
            kind: "env",
            value: neutraliseText(message.value, MAX_ENV_NAME_CHARS),
            symbol: message.symbol,
          });
        case "wake":
          if (this.#end.failure === undefined) this.#transport.drain();
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
