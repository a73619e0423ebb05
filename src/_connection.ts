import { IncompatiblePluginError, type PluginError, PluginLoadError } from "./errors.ts";
import {
  PayloadTooLargeError,
  PluginCallError,
  PluginClosedError,
  PluginCrashedError,
  PluginTimeoutError,
  ValidationError,
} from "./call_errors.ts";
import type { Isolate, IsolateSpec, IsolationTier } from "./isolation/types.ts";
import type {
  CallMessage,
  GetMessage,
  HostMessage,
  LoadErrorMessage,
  LogLevel,
  PluginMessage,
  ReadyMessage,
  SetMessage,
  SymbolInfo,
} from "./protocol.ts";
import { PROTOCOL_VERSION } from "./protocol_version.ts";
import { measure } from "./_payload.ts";
import { takeTransfers } from "./runtime/transfer.ts";
import { DeadlineTimer } from "./_deadline_timer.ts";
import { Outbox } from "./_outbox.ts";
import { type Denial, deniedIn, isWireError, type Request, unclonablePath } from "./_wire.ts";

export type { Denial, Request } from "./_wire.ts";

/** How long a request or the start may take, and what cancels it. */
export interface Bounds {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** How to open a connection: the load's bounds, the payload limit, and who hears of a crash. */
export interface OpenOptions extends Bounds {
  maxMessageBytes: number;
  onCrash(error: PluginCrashedError): void;
  /** A line plugin code logged. */
  onLog?(level: LogLevel, text: string): void;
  /** Plugin code was refused a permission (seen in an error it let through). */
  onDenied?(denial: Denial): void;
}

/** How long a plugin may take to answer a ping after a deadline passed before it counts as stuck. */
const STUCK_GRACE_MS = 500;

interface Pending {
  symbol: string;
  timeoutMs: number;
  /** When the request times out, on the `performance.now()` clock. */
  deadline: number;
  request: CallMessage | GetMessage | SetMessage;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Checks the reply's value, then resolves or rejects. */
  settle(value: unknown): void;
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
  #onHandshake: ((message: ReadyMessage | LoadErrorMessage) => void) | undefined;
  #onHandshakeCrash: ((reason: string) => void) | undefined;
  #onCrash: (error: PluginCrashedError) => void;
  readonly #options: OpenOptions;
  #ping: { id: number; answered(): void } | undefined;
  readonly #deadlines = new DeadlineTimer(() => this.#expire());
  readonly #outbox: Outbox;

  private constructor(
    plugin: string,
    start: (events: Parameters<IsolationTier["start"]>[1]) => Isolate,
    options: OpenOptions,
  ) {
    this.#plugin = plugin;
    this.#onCrash = options.onCrash;
    this.#options = options;
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#outbox = new Outbox((message, transfer) => {
      if (this.#failure === undefined) this.#isolate.send(message, transfer);
    }, (message, cause) => this.#unsendable(message, cause));
    this.#isolate = start({
      message: (message) => this.#receive(message),
      exit: (reason) => this.#crash(reason),
      log: (level, text) => this.#options.onLog?.(level, text),
    });
  }

  /**
   * Starts an isolate and completes the handshake.
   *
   * @returns The connection and the plugin's exports.
   * @throws {PluginLoadError} On a load error, a top-level throw, or no answer in time.
   * @throws {IncompatiblePluginError} When the runtime speaks another protocol version.
   */
  static async open(
    tier: IsolationTier,
    spec: IsolateSpec,
    options: OpenOptions,
  ): Promise<{ connection: Connection; symbols: SymbolInfo[] }> {
    options.signal?.throwIfAborted();
    const connection = new Connection(spec.plugin, (events) => tier.start(spec, events), options);
    try {
      const symbols = await connection.#handshake(spec, options);
      return { connection, symbols };
    } catch (error) {
      await connection.#isolate.terminate();
      throw error;
    }
  }

  #handshake(spec: IsolateSpec, bounds: Bounds): Promise<SymbolInfo[]> {
    const { promise, resolve, reject } = Promise.withResolvers<SymbolInfo[]>();
    const timer = setTimeout(() => {
      reject(
        new PluginLoadError(
          spec.plugin,
          `it did not finish loading within ${bounds.timeoutMs} ms; check its entry module for slow top-level code, ` +
            "or raise the manifest's limits.loadTimeoutMs",
        ),
      );
    }, bounds.timeoutMs);
    const onAbort = () => reject(bounds.signal?.reason);
    bounds.signal?.addEventListener("abort", onAbort, { once: true });
    this.#onHandshake = (message) => {
      if (message.protocol !== PROTOCOL_VERSION) {
        reject(
          new IncompatiblePluginError(spec.plugin, [
            `its runtime speaks sandplug protocol ${
              String(message.protocol)
            } but this host speaks protocol ` +
            `${PROTOCOL_VERSION}; use the same @sandplug/host version for the host and the plugin's runtime`,
          ]),
        );
      } else if (message.type === "ready" && Array.isArray(message.symbols)) {
        resolve(message.symbols);
      } else if (message.type === "load-error" && isWireError(message.error)) {
        reject(
          new PluginLoadError(
            spec.plugin,
            `its entry module ${spec.entry} failed: ${message.error.name}: ${message.error.message}`,
            { cause: message.error },
          ),
        );
      } else {
        reject(
          new PluginLoadError(
            spec.plugin,
            `its runtime sent an invalid handshake: ${JSON.stringify(message)}`,
          ),
        );
      }
    };
    this.#onHandshakeCrash = (reason) =>
      reject(new PluginLoadError(spec.plugin, `its isolate ended while loading: ${reason}`));
    try {
      this.#isolate.send({
        type: "init",
        protocol: PROTOCOL_VERSION,
        plugin: spec.plugin,
        entry: spec.entry,
        maxMessageBytes: this.#maxMessageBytes,
      });
    } catch (cause) {
      reject(
        new PluginLoadError(
          spec.plugin,
          `its isolate did not accept the handshake: ${String(cause)}`,
          { cause },
        ),
      );
    }
    return promise.finally(() => {
      clearTimeout(timer);
      bounds.signal?.removeEventListener("abort", onAbort);
      this.#onHandshake = undefined;
      this.#onHandshakeCrash = undefined;
    });
  }

  /** The plugin's exports, for a tier in the host's own isolate; calls may skip messages. */
  get direct(): Readonly<Record<string, unknown>> | undefined {
    return this.#failure === undefined ? this.#isolate.direct : undefined;
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
   * @throws {PluginCallError} When plugin code threw.
   * @throws {PluginTimeoutError} When the deadline passed.
   * @throws {PluginCrashedError} When the isolate ended first.
   * @throws {PluginClosedError} When the plugin was closed first.
   * @throws {ValidationError} When the request cannot be serialised.
   */
  request(request: Request, bounds: Bounds): Promise<unknown> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (bounds.signal?.aborted) return Promise.reject(bounds.signal.reason);
    if (request.type !== "get") {
      const payload = request.type === "call" ? request.args : request.value;
      const { bytes } = measure(payload, this.#maxMessageBytes);
      if (bytes > this.#maxMessageBytes) {
        const what = request.type === "call" ? "arguments" : "value";
        return Promise.reject(
          new PayloadTooLargeError(
            this.#plugin,
            request.symbol,
            what,
            bytes,
            this.#maxMessageBytes,
          ),
        );
      }
    }
    const id = this.#nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const signal = bounds.signal;
    const onAbort = signal === undefined ? undefined : () => {
      if (this.#pending.delete(id)) {
        pending.reject(signal.reason);
        this.#cancel(id);
      }
    };
    const pending: Pending = {
      symbol: request.symbol,
      timeoutMs: bounds.timeoutMs,
      deadline: performance.now() + bounds.timeoutMs,
      request: { ...request, id } as CallMessage | GetMessage | SetMessage,
      resolve: (value) => {
        if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
        if (this.#pending.size === 0) this.#deadlines.hold(false);
        resolve(value);
      },
      reject: (error) => {
        if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
        if (this.#pending.size === 0) this.#deadlines.hold(false);
        reject(error);
      },
      settle: (value) => this.#accept(pending, value),
    };
    if (onAbort !== undefined) signal?.addEventListener("abort", onAbort, { once: true });
    this.#pending.set(id, pending);
    if (this.#pending.size === 1) this.#deadlines.hold(true);
    this.#deadlines.arm(pending.deadline, true);
    const payload = request.type === "call"
      ? request.args
      : request.type === "set"
      ? [request.value]
      : [];
    this.#outbox.post(pending.request, takeTransfers(payload));
    return promise;
  }

  /** Times out every request past its deadline, then re-arms for the next one. */
  #expire(): void {
    const now = performance.now();
    let next = Infinity;
    for (const [id, pending] of this.#pending) {
      if (pending.deadline <= now + 1) {
        this.#pending.delete(id);
        pending.reject(new PluginTimeoutError(this.#plugin, pending.symbol, pending.timeoutMs));
        this.#cancel(id);
        this.#checkStuck(pending.symbol, pending.timeoutMs);
      } else if (pending.deadline < next) {
        next = pending.deadline;
      }
    }
    if (next !== Infinity) this.#deadlines.arm(next, this.#pending.size > 0);
  }

  /** A message the outbox could not serialise: its call fails, naming what could not be sent. */
  #unsendable(message: HostMessage, cause: unknown): void {
    if (message.type !== "call" && message.type !== "set") return;
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    this.#pending.delete(message.id);
    const reason = cause instanceof Error ? cause.message : String(cause);
    pending.reject(
      new ValidationError(
        this.#plugin,
        message.symbol,
        unclonablePath(message),
        `cannot be sent to the plugin: ${reason}`,
        { cause },
      ),
    );
  }

  #receive(message: PluginMessage): void {
    if (typeof message !== "object" || message === null) return;
    if (message.type === "batch") {
      if (Array.isArray(message.messages)) {
        for (const inner of message.messages) this.#receive(inner);
      }
      return;
    }
    if (message.type === "exit") {
      this.#isolate.terminate();
      this.#crash(
        typeof message.reason === "string" ? message.reason : "plugin code ended its isolate",
      );
      return;
    }
    if (message.type === "log") {
      if (typeof message.text === "string") this.#options.onLog?.(message.level, message.text);
      return;
    }
    if (message.type === "pong") {
      if (message.id === this.#ping?.id) this.#ping.answered();
      return;
    }
    if (this.#onHandshake !== undefined) {
      if (message.type === "ready" || message.type === "load-error") this.#onHandshake(message);
      return;
    }
    if (message.type !== "ok" && message.type !== "err") return;
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return; // a late reply to a request that already timed out or was aborted
    this.#pending.delete(message.id);
    if (message.type === "ok") {
      pending.settle(message.value);
      return;
    }
    const remote = isWireError(message.error)
      ? message.error
      : { name: "Error", message: String(message.error) };
    const denial = deniedIn(remote.message, pending.symbol);
    if (denial !== undefined) this.#options.onDenied?.(denial);
    pending.reject(
      remote.name === "PayloadTooLargeError" && typeof remote.size === "number"
        ? new PayloadTooLargeError(
          this.#plugin,
          pending.symbol,
          "result",
          remote.size,
          this.#maxMessageBytes,
        )
        : new PluginCallError(this.#plugin, pending.symbol, remote),
    );
  }

  /** Checks a reply's value as it arrives: a hostile runtime may skip its own checks. */
  #accept(pending: Pending, value: unknown): void {
    const { bytes, shared } = measure(value, this.#maxMessageBytes);
    if (bytes > this.#maxMessageBytes) {
      pending.reject(
        new PayloadTooLargeError(
          this.#plugin,
          pending.symbol,
          "result",
          bytes,
          this.#maxMessageBytes,
        ),
      );
    } else if (shared) {
      pending.reject(
        new ValidationError(
          this.#plugin,
          pending.symbol,
          "result",
          "holds a SharedArrayBuffer, which would share memory with the plugin; return a copy",
        ),
      );
    } else {
      pending.resolve(value);
    }
  }

  #failAll(error: PluginError): void {
    this.#deadlines.clear();
    this.#failure ??= error;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const entry of pending) entry.reject(error);
  }

  #crash(reason: string): void {
    this.#ping?.answered();
    if (this.#failure !== undefined) return;
    const error = new PluginCrashedError(this.#plugin, reason);
    this.#failAll(error);
    if (this.#onHandshakeCrash !== undefined) this.#onHandshakeCrash(reason);
    else this.#onCrash(error);
  }

  /** Tells plugin code the host gave up on a call, so that its signal aborts. */
  #cancel(id: number): void {
    if (this.#failure !== undefined) return;
    this.#outbox.post({ type: "cancel", id });
  }

  /**
   * After a deadline passed, tells a slow plugin from a stuck one: a plugin
   * whose event loop does not answer a ping within the grace period is not
   * yielding, so its isolate is ended and its pending calls time out too.
   */
  #checkStuck(symbol: string, timeoutMs: number): void {
    if (this.#failure !== undefined || this.#ping !== undefined) return;
    const id = this.#nextId++;
    const timer = setTimeout(() => {
      this.#ping = undefined;
      if (this.#failure !== undefined) return;
      const reason =
        `it did not yield within ${STUCK_GRACE_MS} ms after "${symbol}" passed its ${timeoutMs} ms deadline`;
      const crash = new PluginCrashedError(this.#plugin, reason);
      this.#failure = crash;
      const pending = [...this.#pending.values()];
      this.#pending.clear();
      for (const entry of pending) {
        entry.reject(new PluginTimeoutError(this.#plugin, entry.symbol, entry.timeoutMs));
      }
      void this.#isolate.terminate();
      this.#onCrash(crash);
    }, STUCK_GRACE_MS);
    this.#ping = {
      id,
      answered: () => {
        clearTimeout(timer);
        this.#ping = undefined;
      },
    };
    this.#outbox.post({ type: "ping", id });
  }

  /** Rejects every pending request with `PluginClosedError` and ends the isolate. Idempotent. */
  async close(): Promise<void> {
    this.#ping?.answered();
    if (this.#failure === undefined) {
      this.#failAll(new PluginClosedError(this.#plugin, "the pending call"));
    }
    await this.#isolate.terminate();
  }
}
