/**
 * Restart policies, and the supervisor that keeps a plugin's connection alive
 * across crashes as its policy allows.
 *
 * @module
 */
import {
  PluginClosedError,
  type PluginCrashedError,
  PluginError,
  PluginTimeoutError,
} from "../errors/errors.ts";
import { boundedWait } from "../wire/bounded_wait.ts";
import { errorText } from "../wire/error_text.ts";
import type { Bounds, Connection } from "../connection/connection.ts";
import type { Pending } from "../connection/pending.ts";
import { Requeue } from "./requeue.ts";
import type { SymbolInfo } from "../wire/protocol.ts";

/**
 * What happens when a plugin crashes: `"never"` restarts nothing;
 * `"on-failure"` restarts it with the defaults below; an object tunes them.
 */
export type RestartPolicy = "never" | "on-failure" | RestartOptions;

/** How a crashed plugin is restarted. */
export interface RestartOptions {
  /**
   * The most restarts within `windowMs`; one more crash ends the plugin for good.
   *
   * @default {5}
   */
  maxRestarts?: number;
  /**
   * The window in which restarts are counted, in milliseconds.
   *
   * @default {60000}
   */
  windowMs?: number;
  /**
   * The wait before the first restart in a window, doubled for each further one.
   *
   * @default {100}
   */
  backoffMs?: number;
  /**
   * The longest wait between restarts, in milliseconds.
   *
   * @default {5000}
   */
  maxBackoffMs?: number;
}

/** A restart policy with every number filled in; `maxRestarts: 0` means never. */
export type ResolvedRestart = Required<RestartOptions>;

const DEFAULTS: ResolvedRestart = {
  maxRestarts: 5,
  windowMs: 60_000,
  backoffMs: 100,
  maxBackoffMs: 5_000,
};

/**
 * Checks a restart policy and fills in the defaults.
 *
 * @throws {TypeError} When the policy is neither a known word nor an object.
 * @throws {RangeError} When a number is negative or not finite.
 */
export function resolveRestart(policy: RestartPolicy | undefined, where: string): ResolvedRestart {
  if (policy === undefined || policy === "never") return { ...DEFAULTS, maxRestarts: 0 };
  if (policy === "on-failure") return { ...DEFAULTS };
  if (typeof policy !== "object" || policy === null) {
    throw new TypeError(
      `Cannot ${where}: restart must be "never", "on-failure" or an options object; current value is ${
        JSON.stringify(policy)
      }`,
    );
  }
  const resolved = { ...DEFAULTS, ...policy };
  for (const key of Object.keys(DEFAULTS) as (keyof ResolvedRestart)[]) {
    const value = resolved[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(
        `Cannot ${where}: restart.${key} must be a number of at least 0; current value is ${
          String(value)
        }`,
      );
    }
  }
  return resolved;
}

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
    if (this.#restarting !== undefined) await this.#waitForRestart(symbol, bounds);
    if (this.#dead !== undefined) throw this.#dead;
    return this.#connection;
  }

  async #waitForRestart(symbol: string, bounds: Bounds): Promise<void> {
    // A restart that fails still ends the wait: connection() then throws what ended the plugin.
    const restarted = (this.#restarting ?? Promise.resolve()).then(() => {}, () => {});
    await boundedWait(restarted, {
      timeoutMs: bounds.timeoutMs,
      signal: bounds.signal,
      onTimeout: () => {
        throw new PluginTimeoutError(this.#plugin, symbol, bounds.timeoutMs);
      },
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

  async #restartLoop(cause: PluginError): Promise<void> {
    let last: PluginError = cause;
    while (this.#allowRestart()) {
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
    this.#requeue.failAll(last);
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
