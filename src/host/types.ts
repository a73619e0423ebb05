/**
 * The public shapes of the host's options: of `createHost()`, `load()` and
 * `register()`.
 *
 * @module
 */
import type { UpgradeApproval } from "./reload_types.ts";
import type { LockOption } from "../load/lock.ts";
import type { Contract } from "../contract/contract.ts";
import type { ProvideOf } from "../contract/host_types.ts";
import type { HostPolicy } from "../permissions/permissions.ts";
import type { LogLevel } from "../wire/protocol.ts";
import type { RestartPolicy } from "./supervisor.ts";

export type { LogLevel, RestartPolicy };
export type { UpgradeApproval };

/**
 * The isolation tiers a host can run plugins in, from least to most isolated.
 *
 * - `"inline"`: in the host's own isolate, like Go's `plugin` package and the
 *   Kubernetes scheduler framework: fastest, and **no sandbox at all**; for
 *   plugins the host trusts as its own code (compiled-in plugins always run
 *   here). A plugin that asks for any permission or a memory limit cannot
 *   load inline, and a host can forbid the tier with `allowInline: false`.
 * - `"worker"`: a Web Worker in the host's process, holding exactly the
 *   plugin's grant. Fastest, but on Deno 2.9 it cannot contain a plugin that
 *   kills the host through a nested `node:worker_threads` worker (whose fresh
 *   globals hold the unguarded `Deno.kill`, and a worker's pid is the host's),
 *   a busy loop that `terminate()` cannot stop (denoland/deno#35657),
 *   or heap exhaustion, which aborts the host (denoland/deno#35766). Choose it
 *   for plugins you trust; see SECURITY.md.
 * - `"process"`: a `deno run` child per plugin, with flags compiled from its
 *   grant, a heap cap, and a module cache it can neither read nor write: a
 *   hostile plugin harms only its own process.
 */
export type IsolationName = "inline" | "worker" | "process";

/** Options of {@linkcode createHost}. */
export interface HostOptions {
  /**
   * What plugins may be granted. Each plugin gets what its manifest asks for
   * if this policy allows all of it, and is refused otherwise. Paths resolve
   * against the host's working directory.
   *
   * @default {{} (plugins may read only their own folder)}
   */
  allow?: HostPolicy;
  /**
   * The tier plugins run in (see {@linkcode IsolationName}). The default,
   * `"process"`, contains every attack of SECURITY.md; `"worker"` is faster
   * and is a deliberate choice for trusted plugins. A plugin's manifest may
   * ask for more isolation (`"isolation": "process"`), never less.
   *
   * @default {"process"}
   */
  isolation?: IsolationName;
  /**
   * Deadline of each call in milliseconds, unless the call's own `timeoutMs`
   * says otherwise. A manifest's `limits.callTimeoutMs` may shorten it, never
   * lengthen it.
   *
   * @default {30000}
   */
  callTimeoutMs?: number;
  /**
   * Deadline for loading a plugin, in milliseconds. A manifest's
   * `limits.loadTimeoutMs` may shorten it, never lengthen it.
   *
   * @default {10000}
   */
  loadTimeoutMs?: number;
  /**
   * The largest payload, in approximate bytes, that one call's arguments or
   * result may take. A larger one fails with `PayloadTooLargeError` before it
   * is sent, so that neither side stalls or balloons on it.
   *
   * @default {67108864 (64 MiB)}
   */
  maxMessageBytes?: number;
  /**
   * Whether values crossing the boundary are checked against the contract.
   * Load-time symbol checks happen either way.
   *
   * @default {true}
   */
  validate?: boolean;
  /**
   * What happens when a plugin crashes (exits, is killed, runs out of memory,
   * throws outside a call, or stops yielding past a deadline). The plugin's
   * handle stays valid across restarts; variables start again from the
   * values the plugin gives them.
   *
   * @default {"never"}
   */
  restart?: RestartPolicy;
  /**
   * Where plugin console output goes. Each line also fires a `"log"` event.
   *
   * @default {writes "[plugin] line" to the host's stderr}
   */
  log?: (entry: PluginLogEntry) => void;
  /**
   * Plugins compiled into the host, by name: `host.load(name)` runs them in
   * the inline tier, like a Kubernetes scheduler's registry. A name is a bare
   * plugin name (lowercase letters, digits, dashes), so it is never mistaken
   * for a folder: `load()` takes a folder only as a path, e.g. `"./qos"`.
   *
   * @default {{}}
   */
  plugins?: Readonly<Record<string, PluginModule>>;
  /**
   * Whether plugins may run in the inline tier at all (compiled-in plugins
   * and `isolation: "inline"`).
   *
   * @default {true}
   */
  allowInline?: boolean;
  /**
   * How many host calls (`host.call()` in plugin code, to functions the load
   * provides) one plugin may have running at once; more wait their turn,
   * within their own deadlines. Bounds what a plugin can make the host do.
   *
   * @default {64}
   */
  maxConcurrentHostCalls?: number;
  /**
   * Approves a reload whose new version widens a plugin's permissions (see
   * `Plugin.reload`); without one, such a reload is refused with
   * `UpgradeRefusedError`. A load's or the reload's own `onUpgrade` overrides it.
   */
  onUpgrade?: UpgradeApproval;
  /**
   * An integrity lock every load (and reload) is verified against: the path
   * of a JSON file holding, per plugin, its version, grant, the digest of
   * `plugin.json` and of every local module of its graph, and its packages at
   * exact versions with their integrity. A mismatch, or a plugin missing from
   * the lock, fails the load with `IntegrityError` naming each change.
   * `{ path, update: true }` writes the entries instead (commit the file).
   */
  lock?: LockOption;
}

/** A plugin module compiled into the host: its exports, e.g. `import * as qos from "../qos.ts"`. */
export type PluginModule = Readonly<Record<string, unknown>>;

/** Options of {@linkcode Host.register}: what a manifest would say. */
export interface RegisterOptions {
  /**
   * The plugin's version.
   *
   * @default {"0.0.0"}
   */
  version?: string;
  /** Contract name → the contract version the module implements. */
  implements?: Record<string, string>;
  /** One line about the plugin. */
  description?: string;
  /**
   * The host functions it calls (`host.call()` from `@sandplug/host/plugin`),
   * as a manifest's `"host"` lists them; each load must provide them.
   */
  host?: readonly string[];
}

/** One line a plugin wrote to its console. */
export interface PluginLogEntry {
  /** The plugin's name. */
  plugin: string;
  /** The console method's level. */
  level: LogLevel;
  /** The line. */
  message: string;
}

/** Options of {@linkcode Host.load}. */
export interface LoadOptions<
  C extends Contract | readonly Contract[] = Contract | readonly Contract[],
> {
  /**
   * The contract the plugin must implement, or several versions of it: the
   * highest one the plugin implements is used and reported on `plugin.contract`.
   */
  contract?: C;
  /**
   * The host functions this plugin may call, by name. The load is refused
   * unless it provides every function the manifest lists under `"host"`, and
   * the plugin can call only those: a name provided but not listed is not
   * callable. When the contract has a `host` section, each of its functions
   * must be here with the types its schemas give (returning the value or a
   * promise of it), and what crosses is validated.
   *
   * @default {{}}
   *
   * @example Provide the host functions a contract declares
   * ```ts
   * import { defineContract, fn, type LoadOptions } from "@sandplug/host";
   * import { z } from "zod";
   * import assert from "node:assert/strict";
   *
   * const counter = defineContract({
   *   name: "counter",
   *   version: "1.0.0",
   *   symbols: { get: fn({ args: [z.string()], returns: z.number() }) },
   *   host: { sum: fn({ args: [z.number(), z.number()], returns: z.number() }) },
   * });
   * // `a` and `b` are numbers: the contract types them.
   * const options: LoadOptions<typeof counter> = {
   *   contract: counter,
   *   provide: { sum: (a, b) => a + b },
   * };
   * assert.equal(await options.provide?.sum(1, 2), 3);
   * ```
   */
  provide?: ProvideOf<C>;
  /** Cancels the load. */
  signal?: AbortSignal;
  /**
   * The tier for this plugin, overriding the host's `isolation`. The
   * manifest's `isolation` still wins when it asks for more.
   *
   * @default {the host's isolation}
   */
  isolation?: IsolationName;
  /**
   * Deadline of the load in milliseconds.
   *
   * @default {the host's loadTimeoutMs, or the manifest's limits.loadTimeoutMs when shorter}
   */
  timeoutMs?: number;
  /**
   * The restart policy of this plugin.
   *
   * @default {the host's restart}
   */
  restart?: RestartPolicy;
  /**
   * Opens a low-latency channel to a worker-tier plugin, for chatty plugins
   * that get many small calls one after another: a SharedArrayBuffer slot each
   * way, which both sides watch for a moment after each message instead of
   * going through the event loop, for a round trip of a few microseconds
   * instead of tens. The plugin spins at most 0.1 ms after each reply (0.5
   * ms after a message woke it), so an idle plugin costs no CPU; while calls
   * keep coming, the host's thread spins up to 0.02 ms per call, then sleeps
   * on the slot up to 0.05 ms.
   * Batches the channel cannot carry exactly (buffers, `Map`s, `Date`s, …,
   * or over 16 KiB) go as messages, in order. Only the worker tier can share
   * memory with a plugin: the process tier refuses the option, and the
   * inline tier ignores it, as its calls are direct already.
   *
   * @default {false}
   */
  lowLatency?: boolean;
  /**
   * Learn mode: runs the plugin with its manifest's grant and records what it
   * uses and is refused, for `plugin.learned()` to turn into the smallest
   * `permissions` for its `plugin.json`. In the process tier, Deno's audit of
   * every permission check (`DENO_AUDIT_PERMISSIONS`) records all of it, also
   * what plugin code caught; in the worker tier only what reaches the host:
   * refusals the plugin let through, and environment probes. For writing a
   * manifest, not for production.
   *
   * @default {false}
   */
  learn?: boolean;
  /**
   * Approves a reload of this plugin whose new version widens its
   * permissions; overrides the host's `onUpgrade`, and the reload's own
   * overrides it.
   */
  onUpgrade?: UpgradeApproval;
}
