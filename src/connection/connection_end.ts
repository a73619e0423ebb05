import type { PluginError } from "../errors/errors.ts";
import {
  PluginClosedError,
  PluginCrashedError,
  PluginTimeoutError,
} from "../errors/unanswered_errors.ts";
import { neutraliseText } from "../wire/log_text.ts";
import { MAX_REASON_CHARS } from "./message_check.ts";
import type { Pending } from "./pending.ts";
import type { PendingRequests } from "./pending_requests.ts";
import { CALL } from "../wire/records.ts";

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
  /**
   * Offered each call plugin code never started when the connection ended:
   * `true` takes it, to run on a restarted plugin; `false` fails it, saying
   * it never ran.
   */
  requeue?(pending: Pending): boolean;
}

/**
 * The one way a connection ends, whatever ends it, taken once: a crash (the
 * isolate ended, or broke the protocol), a stuck plugin, or `close()`. Every
 * pending request fails: with the crash (saying whether a call had started),
 * with a timeout when the plugin was stuck and the call did pass its
 * deadline, or as closed; each error says how long after the request was
 * made it failed.
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

  /**
   * A plugin that does not yield: it ends as a crash does; its calls past
   * their deadline time out, saying it was ended as stuck.
   */
  stuck(reason: string): void {
    this.#end(reason, true);
  }

  /** Fails every pending request with `PluginClosedError` and ends the isolate. Idempotent. */
  async close(): Promise<void> {
    this.#options.stopProbe();
    if (this.#failure === undefined) {
      const { plugin } = this.#options;
      const now = performance.now();
      this.#failAll(
        new PluginClosedError(plugin, "the pending call"),
        (pending) =>
          new PluginClosedError(plugin, pending.symbol, { elapsedMs: now - pending.since }),
      );
    }
    await this.#options.terminate();
  }

  /**
   * Ends a connection that was not closed: the requests fail, saying whether
   * they ran (those that never did may run on a restarted plugin), the
   * isolate ends, and the host hears of it.
   */
  #end(reason: string, stuck = false): void {
    this.#options.stopProbe();
    if (this.#failure !== undefined) return;
    const { plugin } = this.#options;
    const crash = new PluginCrashedError(plugin, reason);
    const now = performance.now();
    // The runtime runs calls in the order they were sent, and a call it knows as quick runs
    // without saying STARTED. So when no earlier call is known to have started, the first one
    // without an answer may be the one that was running when the plugin died (a quick function
    // that exited or spun this time): it counts as started, and is never run twice.
    let first = true;
    this.#failAll(crash, (pending) => {
      const elapsedMs = now - pending.since;
      if (pending.tag !== CALL) return new PluginCrashedError(plugin, reason, { elapsedMs });
      const started = pending.started || first;
      first = false;
      if (stuck && now >= pending.deadline) {
        return new PluginTimeoutError(plugin, pending.symbol, pending.timeoutMs, {
          elapsedMs,
          detail: `${
            started ? "it had started" : "it never ran"
          }, and the plugin was ended: ${reason}`,
        });
      }
      // A call with callbacks or streams cannot run again: they die with this connection.
      if (!started && !pending.byRef && this.#options.requeue?.(pending)) return undefined;
      return new PluginCrashedError(plugin, reason, { started, elapsedMs });
    });
    void this.#options.terminate();
    this.#options.crashed(crash);
  }

  #failAll(
    failure: PluginError,
    errorFor: (pending: Pending) => PluginError | undefined = () => failure,
  ): void {
    this.#failure = failure;
    this.#options.requests.failAll(errorFor);
    this.#options.ended?.(failure);
  }
}
