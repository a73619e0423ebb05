/**
 * Everything of a connection that runs the other way, or longer than one
 * reply: the plugin's calls to host functions, the callbacks and streams the
 * host passes to calls (references, valid until each call settles), and the
 * streams the plugin sends (`p.stream()`). When the connection ends, all of
 * it settles: streams error, waiting host calls never start, references
 * expire.
 *
 * @module
 */
import type { PluginError } from "../errors/errors.ts";
import { CANCEL, HOST_ERR, HOST_OK, PULL, STREAM, STREAM_REFS } from "../wire/records.ts";
import { HostCalls, type HostCallTargets } from "./host_calls.ts";
import { OpenStreams, StreamIn } from "./streams_in.ts";
import { hasRefs, Refs } from "./refs.ts";

const NO_TARGETS: HostCallTargets = { functions: new Map(), maxConcurrent: 1 };

/** What a {@linkcode TalkBack} needs from its connection. */
export interface TalkBackWiring {
  readonly plugin: string;
  readonly maxMessageBytes: number;
  readonly hostFunctions?: HostCallTargets;
  /** Queues a record for the runtime, unless the connection ended. */
  send(...record: unknown[]): void;
  /** Whether the connection is open. */
  open(): boolean;
  /** The plugin called a host function it may not. */
  denied(name: string): void;
  /** The runtime broke the protocol. */
  broke(problem: string): void;
}

/** The host's side of host calls, references and streams, for one connection. */
export class TalkBack {
  /** The streams the plugin sends, by request id. */
  readonly streams = new OpenStreams();
  readonly #refs = new Refs();
  readonly #hostCalls: HostCalls;
  readonly #wiring: TalkBackWiring;

  constructor(wiring: TalkBackWiring) {
    this.#wiring = wiring;
    this.#hostCalls = new HostCalls(wiring.hostFunctions ?? NO_TARGETS, {
      answer: (ok, id, value) => wiring.send(ok ? HOST_OK : HOST_ERR, id, value),
      denied: (name) => wiring.denied(name),
      broke: (problem) => wiring.broke(problem),
      open: () => wiring.open(),
      ref: (id) => this.#refs.get(id),
    }, wiring.maxMessageBytes);
  }

  /** A `HOST_CALL` record arrived. */
  hostCall(id: unknown, name: unknown, args: unknown[]): void {
    this.#hostCalls.receive(id, name, args);
  }

  /** A `HOST_CANCEL` record arrived. */
  hostCancel(id: unknown): void {
    this.#hostCalls.cancel(id);
  }

  /**
   * A call's arguments with callbacks and streams replaced by references
   * (valid until `settled` settles), or undefined when it passes none.
   */
  references(call: number, args: unknown[]): unknown[] | undefined {
    return hasRefs(args) ? this.#refs.replace(call, args) : undefined;
  }

  /** The call's references expire once `settled` settles (now, when it is undefined). */
  releaseWhen(call: number, settled?: Promise<unknown>): void {
    const release = () => this.#refs.release(call);
    if (settled === undefined) release();
    else settled.then(release, release);
  }

  /**
   * Starts stream `id`: the plugin calls `symbol` and sends its items,
   * `window` ahead of the reader at most.
   */
  stream(
    id: number,
    symbol: string,
    args: unknown[],
    bounds: { timeoutMs: number; signal?: AbortSignal; window: number },
    byRef = false,
  ): ReadableStream<unknown> {
    const { send, plugin } = this.#wiring;
    const stream = new StreamIn({
      plugin,
      symbol,
      idleTimeoutMs: bounds.timeoutMs,
      window: bounds.window,
      signal: bounds.signal,
      pull: (n) => send(PULL, id, n),
      cancel: () => send(CANCEL, id),
      forget: () => {
        this.streams.delete(id);
        // Callbacks and streams passed to it are valid while it runs.
        if (byRef) this.#refs.release(id);
      },
    });
    this.streams.add(id, stream);
    send(byRef ? STREAM_REFS : STREAM, id, symbol, bounds.window, args.length, ...args);
    return stream.readable;
  }

  /**
   * A record of the host's that could not be serialised, if it is one of
   * these: a host function's result fails that host call; a stream's
   * arguments fail the stream.
   *
   * @returns Whether it was.
   */
  unsendable(record: unknown[], error: Error): boolean {
    const id = record[1] as number;
    if (record[0] === HOST_OK) {
      const message = `the result cannot be sent to the plugin: ${error.message}`;
      this.#wiring.send(HOST_ERR, id, { name: "DataCloneError", message });
      return true;
    }
    if (record[0] !== STREAM && record[0] !== STREAM_REFS) return false;
    this.streams.get(id)?.fail(error);
    return true;
  }

  /** The connection ended: streams error with `failure`, host calls stop, references expire. */
  end(failure: PluginError): void {
    this.streams.failAll(failure);
    this.#hostCalls.close();
    this.#refs.releaseAll();
  }
}
