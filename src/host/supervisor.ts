/**
 * The supervisor that keeps a plugin's connection alive across crashes as its
 * restart policy (`restart_policy.ts`) allows.
 *
 * @module
 */
import {
  PluginClosedError,
  PluginCrashedError,
  PluginError,
  PluginTimeoutError,
} from "../errors/errors.ts";
import { boundedWait } from "../wire/bounded_wait.ts";
import { errorText } from "../wire/error_text.ts";
import type { Bounds, Connection } from "../connection/connection.ts";
import type { Pending } from "../connection/pending.ts";
import { Requeue } from "./requeue.ts";
import type { ResolvedRestart } from "./restart_policy.ts";
import type { SymbolInfo } from "../wire/protocol.ts";

export {
  type ResolvedRestart,
  resolveRestart,
  type RestartOptions,
  type RestartPolicy,
} from "./restart_policy.ts";

/** What a supervisor reports to the host. */
export interface SupervisorEvents {
  crash(error: PluginCrashedError): void;
  restart(attempt: number): void;
  /**
   * The plugin crashed and ends for good: `gaveUp` when a restart policy
   * gave up on it, false when it had none.
   */
  gone(gaveUp: boolean): void;
}

/** A live connection and the plugin's exports, as a load or restart opens them. */
export interface Opened {
  connection: Connection;
  symbols: SymbolInfo[];
}

/** How a connection tells its supervisor of a crash, and offers it the calls that never started. */
export interface OpenHooks {
  onCrash(error: PluginCrashedError): void;
  requeue(pending: Pending): boolean;
}

/** Opens a connection that reports to `hooks`; `signal` cancels the first one only. */
export type Opener = (hooks: OpenHooks, signal?: AbortSignal) => Promise<Opened>;

const NO_EVENTS: SupervisorEvents = { crash() {}, restart() {}, gone() {} };

/**
 * Keeps a plugin's connection alive across crashes, as its restart policy
 * allows. The plugin handle asks it for the current connection; calls made
 * while a restart is under way wait for it, within their own deadline.
 */
export class Supervisor {
  readonly #plugin: string;
  readonly #policy: ResolvedRestart;
  readonly #open: Opener;
  readonly #hooks: OpenHooks = {
    onCrash: (error) => this.crashed(error),
    // A call that never started runs on the restarted plugin, when there is to be one.
    requeue: (pending) => {
      if (this.#closed || this.#dead !== undefined || !this.#allowRestart()) return false;
      this.#requeue.take(pending);
      return true;
    },
  };
  readonly #requeue: Requeue;
  #events: SupervisorEvents = NO_EVENTS;
  // Set by start() before anyone but the supervisor holds it.
  #connection!: Connection;
  #restarting: Promise<void> | undefined;
  #wakeUp: (() => void) | undefined;
  #dead: PluginError | undefined;
  /** Why the plugin ended for good when its restarts failed: calls that waited for them never ran. */
  #gaveUp: string | undefined;
  #closed = false;
  #restarts: number[] = [];
  #attempts = 0;

  private constructor(plugin: string, policy: ResolvedRestart, open: Opener) {
    this.#plugin = plugin;
    this.#policy = policy;
    this.#open = open;
    this.#requeue = new Requeue(plugin);
  }

  /**
   * Opens the plugin's first connection and supervises it. Its crashes reach
   * the supervisor from the start; the host hears of them once it calls
   * {@linkcode Supervisor.report}.
   *
   * @throws {PluginLoadError | IncompatiblePluginError} When the first connection cannot be opened.
   */
  static async start(
    plugin: string,
    policy: ResolvedRestart,
    open: Opener,
    signal?: AbortSignal,
  ): Promise<{ supervisor: Supervisor; symbols: SymbolInfo[] }> {
    const supervisor = new Supervisor(plugin, policy, open);
    const { connection, symbols } = await open(supervisor.#hooks, signal);
    supervisor.#connection = connection;
    return { supervisor, symbols };
  }

  /** Where crashes, restarts and the end go from now on. */
  report(events: SupervisorEvents): void {
    this.#events = events;
  }

  /** Whether the plugin is closed, or crashed with no restart left. */
  get ended(): boolean {
    return this.#closed || this.#dead !== undefined;
  }

  /** How many times the plugin was restarted. */
  get restarts(): number {
    return this.#attempts;
  }

  /** The live connection when no restart is under way and the plugin is not dead; for the fast path. */
  get ready(): Connection | undefined {
    return this.#restarting === undefined && this.#dead === undefined
      ? this.#connection
      : undefined;
  }

  /**
   * The live connection, waiting for a restart under way.
   *
   * @throws {PluginError} The crash that ended the plugin for good.
   * @throws {PluginTimeoutError} When the restart outlasts the call's deadline.
   */
  async connection(symbol: string, bounds: Bounds): Promise<Connection> {
    if (this.#restarting === undefined) {
      if (this.#dead !== undefined) throw this.#dead;
      return this.#connection;
    }
    const since = bounds.since ?? performance.now();
    await this.#waitForRestart(symbol, bounds, since);
    const elapsedMs = performance.now() - since;
    if (this.#dead !== undefined) {
      throw this.#gaveUp === undefined ? this.#dead : new PluginCrashedError(
        this.#plugin,
        this.#gaveUp,
        { started: false, elapsedMs, cause: this.#dead },
      );
    }
    if (elapsedMs >= bounds.timeoutMs) throw this.#late(symbol, bounds, elapsedMs);
    return this.#connection;
  }

  async #waitForRestart(symbol: string, bounds: Bounds, since: number): Promise<void> {
    // A restart that fails still ends the wait: connection() then throws what ended the plugin.
    const restarted = (this.#restarting ?? Promise.resolve()).then(() => {}, () => {});
    await boundedWait(restarted, {
      // Rounded up: a timer truncates a fractional delay, and would fire before the deadline.
      timeoutMs: Math.ceil(since + bounds.timeoutMs - performance.now()),
      signal: bounds.signal,
      onTimeout: () => {
        throw this.#late(symbol, bounds, performance.now() - since);
      },
    });
  }

  /** The error of a call whose deadline passed while it waited for a restart. */
  #late(symbol: string, bounds: Bounds, elapsedMs: number): PluginTimeoutError {
    return new PluginTimeoutError(this.#plugin, symbol, bounds.timeoutMs, {
      elapsedMs,
      detail: "it never ran: it waited for the plugin's restart after a crash",
    });
  }

  /** Called by the connection when the isolate ended on its own. */
  crashed(error: PluginCrashedError): void {
    if (this.#closed || this.#dead !== undefined) return;
    this.#events.crash(error);
    if (!this.#allowRestart()) {
      this.#dead = error;
      this.#events.gone(this.#policy.maxRestarts > 0);
      return;
    }
    this.#restarting = this.#restartLoop(error).finally(() => {
      this.#restarting = undefined;
    });
  }

  #allowRestart(): boolean {
    const now = Date.now();
    this.#restarts = this.#restarts.filter((at) => now - at < this.#policy.windowMs);
    return this.#restarts.length < this.#policy.maxRestarts;
  }

  #backoff(): number {
    const step = Math.min(this.#restarts.length, 30);
    return Math.min(this.#policy.backoffMs * 2 ** step, this.#policy.maxBackoffMs);
  }

  async #restartLoop(cause: PluginCrashedError): Promise<void> {
    let last: PluginError = cause;
    let tries = 0;
    while (this.#allowRestart()) {
      tries++;
      const wait = this.#backoff();
      this.#restarts.push(Date.now());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.#wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wakeUp = undefined;
      if (this.#closed) return;
      try {
        const { connection } = await this.#open(this.#hooks);
        if (this.#closed) {
          await connection.close();
          return;
        }
        this.#connection = connection;
        this.#requeue.resend(connection);
        this.#attempts++;
        this.#events.restart(this.#attempts);
        return;
      } catch (error) {
        last = error instanceof PluginError
          ? error
          : new PluginError(errorText(error), { plugin: this.#plugin, cause: error });
      }
    }
    this.#dead = last;
    this.#gaveUp = tries === 0
      ? `${cause.reason}, and no restart was left`
      : `${cause.reason}, and restarting it gave up after ${tries} ${
        tries === 1 ? "try" : "tries"
      } (the last: ${last.message})`;
    this.#requeue.failAll(last, this.#gaveUp);
    this.#events.gone(true);
  }

  /** Ends the plugin: no more restarts; pending calls reject with `PluginClosedError`. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wakeUp?.();
    await this.#restarting;
    this.#requeue.failAll(new PluginClosedError(this.#plugin, "a call waiting for the restart"));
    await this.#connection.close();
  }
}
