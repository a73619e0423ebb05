import type { PluginError } from "../errors/errors.ts";
import {
  PluginClosedError,
  PluginCrashedError,
  PluginTimeoutError,
} from "../errors/call_errors.ts";
import { neutraliseText } from "../wire/log_text.ts";
import { MAX_REASON_CHARS } from "./message_check.ts";
import type { Pending } from "./pending.ts";
import type { PendingRequests } from "./pending_requests.ts";

/** What a {@linkcode ConnectionEnd} ends. */
export interface ConnectionEndOptions {
  plugin: string;
  requests: PendingRequests;
  /** Forgets the stuck probe's ping, if one is out. */
  stopProbe(): void;
  /** Ends the isolate. Idempotent. */
  terminate(): void | Promise<void>;
  /** Told once, when the connection ended, however: what else it serves must settle too. */
  ended?(failure: PluginError): void;
  /** Told once, when the connection ended other than by `close()`. */
  crashed(crash: PluginCrashedError): void;
}

/**
 * The one way a connection ends, whatever ends it, taken once: a crash (the
 * isolate ended, or broke the protocol), a stuck plugin, or `close()`. Every
 * pending request fails: with the crash, with a timeout when the plugin was
 * stuck (the calls did pass their deadline), or as closed.
 */
export class ConnectionEnd {
  readonly #options: ConnectionEndOptions;
  #failure: PluginError | undefined;

  constructor(options: ConnectionEndOptions) {
    this.#options = options;
  }

  /** Why the connection ended, or undefined while it is open. */
  get failure(): PluginError | undefined {
    return this.#failure;
  }

  /**
   * The isolate ended, or must (it broke the protocol). The reason carries
   * plugin text (exit reasons, uncaught errors): it becomes one bounded,
   * printable line.
   */
  crash(reason: string): void {
    this.#end(neutraliseText(reason, MAX_REASON_CHARS));
  }

  /** A plugin that does not yield: it ends as a crash does, but its pending calls time out. */
  stuck(reason: string): void {
    const plugin = this.#options.plugin;
    this.#end(
      reason,
      (pending) => new PluginTimeoutError(plugin, pending.symbol, pending.timeoutMs),
    );
  }

  /** Fails every pending request with `PluginClosedError` and ends the isolate. Idempotent. */
  async close(): Promise<void> {
    this.#options.stopProbe();
    if (this.#failure === undefined) {
      this.#failAll(new PluginClosedError(this.#options.plugin, "the pending call"));
    }
    await this.#options.terminate();
  }

  /** Ends a connection that was not closed: the requests fail, the isolate ends, and the host hears of it. */
  #end(reason: string, errorFor?: (pending: Pending) => PluginError): void {
    this.#options.stopProbe();
    if (this.#failure !== undefined) return;
    const crash = new PluginCrashedError(this.#options.plugin, reason);
    this.#failAll(crash, errorFor);
    void this.#options.terminate();
    this.#options.crashed(crash);
  }

  #failAll(
    failure: PluginError,
    errorFor: (pending: Pending) => PluginError = () => failure,
  ): void {
    this.#failure = failure;
    this.#options.requests.failAll(errorFor);
    this.#options.ended?.(failure);
  }
}
