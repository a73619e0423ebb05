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
import type { IsolateSpec, IsolationTier } from "../isolation/types.ts";
import type { Manifest } from "../manifest/manifest.ts";
import { type ResolvedPolicy, resolvePolicy } from "../permissions/permissions.ts";
import { Connection, type OpenOptions } from "../connection/connection.ts";
import type { LogLevel } from "../wire/protocol.ts";
import { knownLevel, logLines } from "../wire/log_text.ts";
import type { HostEventMap } from "./events.ts";
import type { Host } from "./host_interface.ts";
import { atMost } from "./limits.ts";
import { type Plugin, PluginHandle } from "./plugin.ts";
import { prepare, type Prepared, withPackages } from "./prepare.ts";
import { Registry } from "./registry.ts";
import { type HostSettings, hostSettings } from "./settings.ts";
import { type Opener, resolveRestart, Supervisor, type SupervisorEvents } from "./supervisor.ts";
import { chooseTier } from "./tier_choice.ts";
import { checkProvided, providedFunctions } from "./host_functions.ts";
import { hostCallValidator } from "../contract/host_validation.ts";
import type {
  HostOptions,
  IsolationName,
  LoadOptions,
  PluginModule,
  RegisterOptions,
} from "./types.ts";

/** The contracts a load asks for, as a list. */
function contractsOf(contract: Contract | readonly Contract[] | undefined): readonly Contract[] {
  if (contract === undefined) return [];
  return Array.isArray(contract) ? contract : [contract as Contract];
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
    const prepared = await prepare(path, this.#registry, this.policy, options.signal);
    const contracts = contractsOf(options.contract);
    const contract = contracts.length > 0
      ? negotiateContract(prepared.manifest, contracts)
      : undefined;
    const tier = chooseTier(prepared, options.isolation ?? this.#settings.isolation, {
      tiers: this.#tiers,
      allowInline: this.#settings.allowInline,
    });
    checkProvided(prepared.manifest.name, prepared.grant.host, options.provide);
    const resolved = await withPackages(prepared, tier, options.signal);
    const handle = await this.#start(resolved, tier, contract, options);
    return await this.#admit(handle) as unknown as Plugin<SymbolsOf<C>>;
  }

  /** Starts the plugin under a supervisor, checks its exports against the contract, and makes its handle. */
  async #start(
    prepared: Prepared,
    tier: IsolationTier,
    contract: Contract | undefined,
    options: LoadOptions,
  ): Promise<PluginHandle> {
    const { manifest } = prepared;
    const restart = options.restart === undefined
      ? this.#settings.restart
      : resolveRestart(options.restart, "load plugin");
    const open = this.#opener(prepared, tier, contract, options);
    const { supervisor, symbols } = await Supervisor.start(
      manifest.name,
      restart,
      open,
      options.signal,
    );
    try {
      if (contract !== undefined) checkSymbols(manifest.name, contract, symbols);
    } catch (error) {
      await supervisor.close();
      throw error;
    }
    const handle = new PluginHandle({
      manifest,
      dir: prepared.dir,
      grant: prepared.grant,
      isolation: tier.name as IsolationName,
      contract,
      symbols,
      supervisor,
      callTimeoutMs: this.#settings.callTimeoutMs,
      validate: this.#settings.validate,
      callDirect: tier.callDirect,
      onClose: (plugin) => this.#forget(plugin, true),
    });
    supervisor.report(this.#eventsOf(handle));
    return handle;
  }

  /** How the plugin's connections are opened, the first and any after a crash. */
  #opener(
    prepared: Prepared,
    tier: IsolationTier,
    contract: Contract | undefined,
    options: LoadOptions,
  ): Opener {
    const manifest: Manifest = prepared.manifest;
    const { maxMessageBytes } = this.#settings;
    const spec: IsolateSpec = { plugin: manifest.name, ...prepared, maxMessageBytes };
    const bounds: Omit<OpenOptions, "onCrash" | "requeue" | "signal"> = {
      // The manifest may only shorten the host's deadline: it is the plugin's word, not the host's.
      timeoutMs: options.timeoutMs ??
        atMost(manifest.limits.loadTimeoutMs, this.#settings.loadTimeoutMs),
      maxMessageBytes,
      onLog: (level, text) => this.#logLine(manifest.name, level, text),
      onDenied: ({ kind, value, symbol }) =>
        this.#emit("denied", { plugin: manifest.name, kind, value, symbol }),
      lowLatency: options.lowLatency,
      hostFunctions: {
        functions: providedFunctions(prepared.grant.host, options.provide),
        check: contract === undefined || !this.#settings.validate
          ? undefined
          : (name) => hostCallValidator(manifest.name, contract, name),
        maxConcurrent: this.#settings.maxConcurrentHostCalls,
      },
    };
    return (hooks, signal) => Connection.open(tier, spec, { ...bounds, ...hooks, signal });
  }

  /** What the plugin's supervisor reports, as host events. */
  #eventsOf(handle: PluginHandle): SupervisorEvents {
    const plugin = handle.name;
    return {
      crash: (error) => this.#emit("crash", { plugin, error }),
      restart: (attempt) => this.#emit("restart", { plugin, attempt }),
      // With no restart policy, the crash event is the plugin's end; a policy that gives up closes it.
      gone: (gaveUp) => this.#forget(handle, gaveUp),
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

  close(): Promise<void> {
    this.#closing ??= Promise.all([...this.#plugins].map((plugin) => plugin.close())).then(
      () => {},
    );
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
