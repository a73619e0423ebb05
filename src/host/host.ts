/**
 * The host: it holds the permission policy, loads plugins into an isolation
 * tier, keeps them alive as their restart policy says, and reports what
 * happens to them as events. It knows tiers only through `IsolationTier`:
 * which ones it has is decided by whoever makes it (`createHost()`).
 *
 * @module
 */
import type { Contract, SymbolsOf } from "../contract/contract.ts";
import { checkSymbols, negotiateContract } from "../contract/negotiate.ts";
import { HostClosedError } from "../errors/errors.ts";
import type { IsolationTier } from "../isolation/types.ts";
import type { Manifest } from "../manifest/manifest.ts";
import { type ResolvedPolicy, resolvePolicy } from "../permissions/permissions.ts";
import type { LogLevel } from "../wire/protocol.ts";
import { knownLevel, logLines } from "../wire/log_text.ts";
import type { HostEventMap } from "./events.ts";
import type { Host } from "./host_interface.ts";
import { type Plugin, PluginHandle } from "./plugin.ts";
import { type Plan, prepare, withPackages } from "./prepare.ts";
import { type Instance, makeInstance } from "./instance.ts";
import { reloadPlugin } from "./reload.ts";
import { Learning } from "./learning.ts";
import { openerFor } from "./opener.ts";
import { discoverPlugins, type Discovery } from "../load/discover.ts";
import { loadAllIn, type LoadAllResult } from "./load_all.ts";
import { type PluginWatcher, type WatchOptions, watchPlugins } from "./watch.ts";
import { lockedPackages, verifyLock } from "../load/lock.ts";
import { Registry } from "./registry.ts";
import { type HostSettings, hostSettings } from "./settings.ts";
import { resolveRestart, Supervisor, type SupervisorEvents } from "./supervisor.ts";
import { chooseTier } from "./tier_choice.ts";
import { checkProvided } from "./host_functions.ts";
import type {
  HostOptions,
  IsolationName,
  LoadOptions,
  PluginModule,
  RegisterOptions,
} from "./types.ts";

/** The contract the manifest satisfies, of those the load asks for; undefined when it asks none. */
function negotiated(manifest: Manifest, options: LoadOptions): Contract | undefined {
  const { contract } = options;
  if (contract === undefined) return undefined;
  const contracts = Array.isArray(contract) ? contract : [contract as Contract];
  return contracts.length > 0 ? negotiateContract(manifest, contracts) : undefined;
}

/**
 * The implementation of {@linkcode Host}. Its tiers are given by name: the
 * public `createHost()` gives the three of sandplug, and tests may give others.
 */
export class PluginHost extends EventTarget implements Host {
  readonly policy: ResolvedPolicy;
  readonly #tiers: Readonly<Record<string, IsolationTier>>;
  readonly #settings: HostSettings;
  readonly #registry = new Registry();
  readonly #plugins = new Set<PluginHandle>();
  /** Watchers started by `watch()`, stopped with the host. */
  readonly #watchers = new Set<PluginWatcher>();
  #closing: Promise<void> | undefined;

  /**
   * Makes a host with the given tiers.
   *
   * @throws {TypeError} When the policy or another option is malformed.
   * @throws {RangeError} When the tier is unknown, or a deadline or limit is not a positive number.
   */
  constructor(options: HostOptions, tiers: Readonly<Record<string, IsolationTier>>) {
    super();
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create host: options must be an object; current value is ${String(options)}`,
      );
    }
    this.policy = resolvePolicy(options.allow);
    this.#tiers = tiers;
    this.#settings = hostSettings(options, tiers);
    for (const [name, module] of Object.entries(options.plugins ?? {})) this.register(name, module);
  }

  get plugins(): readonly Plugin[] {
    return [...this.#plugins];
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  #emit<K extends keyof HostEventMap>(type: K, detail: HostEventMap[K]["detail"]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** One plugin log message: a line per event and sink call, neutralised, at a known level. */
  #logLine(plugin: string, level: LogLevel, message: string): void {
    // The connection checks and splits already (`limitLog`); this keeps any other path as safe.
    const known = knownLevel(level);
    for (const line of logLines(message)) {
      this.#emit("log", { plugin, level: known, message: line });
      this.#settings.log({ plugin, level: known, message: line });
    }
  }

  register(name: string, module: PluginModule, options: RegisterOptions = {}): void {
    this.#registry.register(name, module, options);
  }

  async load<C extends Contract | readonly Contract[] = never>(
    path: string | URL,
    options: LoadOptions<C> = {},
  ): Promise<Plugin<SymbolsOf<C>>> {
    if (this.#closing !== undefined) throw new HostClosedError("load plugin");
    options.signal?.throwIfAborted();
    const plan = await this.#plan(path, options as LoadOptions, options.signal);
    const learning = options.learn === true
      ? await Learning.start(plan.prepared.manifest.name, plan.tier.audits === true)
      : undefined;
    const instance = await this.#startInstance(
      plan,
      options as LoadOptions,
      options.signal,
      learning,
    )
      .catch(async (error) => {
        await learning?.close();
        throw error;
      });
    const handle = new PluginHandle({
      instance,
      learning,
      validate: this.#settings.validate,
      onClose: (plugin) => this.#forget(plugin, true),
      reload: (plugin, reloadOptions) =>
        reloadPlugin(plugin, reloadOptions, {
          // The contract is checked by the reload itself, so that a new version that no longer
          // fits is refused as an upgrade, with its version and diff.
          plan: (signal) =>
            this.#plan(path, { ...options as LoadOptions, contract: undefined }, signal),
          negotiate: (manifest) => negotiated(manifest, options as LoadOptions),
          start: (next, signal, timeoutMs) =>
            this.#startInstance(
              next,
              { ...options as LoadOptions, timeoutMs: timeoutMs ?? options.timeoutMs },
              signal,
              learning,
            ),
          report: (supervisor) => supervisor.report(this.#eventsOf(plugin, supervisor)),
          approval: reloadOptions.onUpgrade ?? options.onUpgrade ?? this.#settings.onUpgrade,
          emit: (type, detail) => this.#emit(type, detail as never),
          hostClosed: () => this.#closing !== undefined,
        }),
    });
    instance.supervisor.report(this.#eventsOf(handle, instance.supervisor));
    return await this.#admit(handle) as unknown as Plugin<SymbolsOf<C>>;
  }

  /**
   * Every step of a load that needs no isolate: find and check the plugin,
   * negotiate its contract, choose its tier, check what the host provides,
   * and resolve its packages.
   */
  async #plan(path: string | URL, options: LoadOptions, signal?: AbortSignal): Promise<Plan> {
    const prepared = await prepare(path, this.#registry, this.policy, signal);
    const contract = negotiated(prepared.manifest, options);
    const tier = chooseTier(prepared, options.isolation ?? this.#settings.isolation, {
      tiers: this.#tiers,
      allowInline: this.#settings.allowInline,
    });
    checkProvided(prepared.manifest.name, prepared.grant.host, options.provide);
    const resolved = await withPackages(prepared, tier, signal);
    const { lock } = this.#settings;
    if (lock !== undefined && resolved.graph !== undefined) {
      const { manifest, dir, grant, graph } = resolved;
      await verifyLock(lock, {
        name: manifest.name,
        version: manifest.version,
        dir,
        grant,
        files: graph.files,
        packages: lockedPackages(grant, tier.packageIntegrity?.(grant, graph.packages)),
      }, signal);
    }
    return { prepared: resolved, declared: prepared.grant, tier, contract };
  }

  /** Starts a planned version under a supervisor and checks its exports against the contract. */
  async #startInstance(
    plan: Plan,
    options: LoadOptions,
    signal: AbortSignal | undefined,
    learning?: Learning,
  ): Promise<Instance> {
    const { prepared, tier, contract } = plan;
    const { manifest } = prepared;
    const restart = options.restart === undefined
      ? this.#settings.restart
      : resolveRestart(options.restart, "load plugin");
    const open = openerFor(plan, options, learning, {
      settings: this.#settings,
      logLine: (level, text) => this.#logLine(manifest.name, level, text),
      denied: (detail) => this.#emit("denied", { plugin: manifest.name, ...detail }),
    });
    const { supervisor, symbols } = await Supervisor.start(manifest.name, restart, open, signal);
    try {
      if (contract !== undefined) checkSymbols(manifest.name, contract, symbols);
    } catch (error) {
      await supervisor.close();
      throw error;
    }
    return makeInstance({
      manifest,
      dir: prepared.dir,
      grant: prepared.grant,
      declared: plan.declared,
      isolation: tier.name as IsolationName,
      contract,
      symbols,
      supervisor,
      callTimeoutMs: this.#settings.callTimeoutMs,
      callDirect: tier.callDirect,
    });
  }

  /** What the supervisor of one of the plugin's versions reports, as host events. */
  #eventsOf(handle: PluginHandle, supervisor: Supervisor): SupervisorEvents {
    const plugin = handle.name;
    return {
      crash: (error) => this.#emit("crash", { plugin, error }),
      restart: (attempt) => this.#emit("restart", { plugin, attempt }),
      // With no restart policy, the crash event is the plugin's end; a policy that gives up closes
      // it. An old version that ends while it drains after a reload is not the plugin's end.
      gone: (gaveUp) => {
        if (handle.runs(supervisor)) this.#forget(handle, gaveUp);
      },
    };
  }

  /** The plugin ended for good: it leaves `plugins`, with a `close` event when `announce`. */
  #forget(plugin: PluginHandle, announce: boolean): void {
    if (this.#plugins.delete(plugin) && announce) this.#emit("close", { plugin: plugin.name });
  }

  /** Adds a loaded plugin to the host, unless the host was closed while it loaded. */
  async #admit(handle: PluginHandle): Promise<PluginHandle> {
    if (this.#closing !== undefined) {
      await handle.close();
      throw new HostClosedError("load plugin");
    }
    this.#plugins.add(handle);
    this.#emit("load", { plugin: handle.name });
    return handle;
  }

  discover(dir: string | URL): Promise<Discovery> {
    return discoverPlugins(dir);
  }

  loadAll<C extends Contract | readonly Contract[] = never>(
    dir: string | URL,
    options: LoadOptions<C> = {},
  ): Promise<LoadAllResult<Plugin<SymbolsOf<C>>>> {
    return loadAllIn((folder, each) => this.load(folder, each), dir, options);
  }

  watch(dir: string | URL, options: WatchOptions = {}): PluginWatcher {
    const watcher = watchPlugins(dir, options, { plugins: () => [...this.#plugins] });
    this.#watchers.add(watcher);
    return watcher;
  }

  close(): Promise<void> {
    this.#closing ??= Promise.all([
      ...[...this.#watchers].map((watcher) => watcher.close()),
      ...[...this.#plugins].map((plugin) => plugin.close()),
    ]).then(() => {});
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
