/**
 * The host: it holds the permission policy, loads plugins into an isolation
 * tier, keeps them alive as their restart policy says, and reports what
 * happens to them as events.
 *
 * @module
 */
import type { Contract, SymbolsOf } from "../contract/contract.ts";
import { PluginError, PluginLoadError } from "../errors/errors.ts";
import type {
  Host,
  HostEventDetail,
  HostOptions,
  IsolationName,
  LoadOptions,
  PluginLogEntry,
  PluginModule,
  RegisterOptions,
} from "./types.ts";
import { inlineTier } from "../isolation/inline/tier.ts";
import { processTier } from "../isolation/process/tier.ts";
import type { IsolateSpec, IsolationTier } from "../isolation/types.ts";
import { workerTier } from "../isolation/worker/tier.ts";
import { type Manifest, parseManifest } from "../manifest/manifest.ts";
import { checkSymbols, negotiateContract } from "../contract/negotiate.ts";
import {
  type PermissionGrant,
  type ResolvedPolicy,
  resolveGrant,
  resolvePolicy,
} from "../permissions/permissions.ts";
import { type Plugin, PluginHandle } from "./plugin.ts";
import type { LogLevel } from "../wire/protocol.ts";
import { Connection, type OpenOptions } from "../connection/connection.ts";
import { sharedDenoDirWritableBy } from "../isolation/process/deno_dir.ts";
import { checkNoEscapingLinks } from "../load/folder_check.ts";
import { findPlugin } from "../load/locate.ts";
import { checkModuleGraphAsync } from "../load/module_graph.ts";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../wire/payload.ts";
import { type ResolvedRestart, resolveRestart, Supervisor } from "./supervisor.ts";
import { fromFileUrl } from "../load/file_url.ts";
import { knownLevel, logLines, writeTagged } from "../wire/log_text.ts";
import { atMost } from "./limits.ts";

const DEFAULT_CALL_TIMEOUT_MS = 30_000;
const DEFAULT_LOAD_TIMEOUT_MS = 10_000;

const TIERS: Record<IsolationName, IsolationTier> = {
  inline: inlineTier,
  worker: workerTier,
  process: processTier,
};
const ISOLATION_RANK: Record<string, number> = { inline: 0, worker: 1, process: 2 };

function positive(
  name: string,
  value: number | undefined,
  fallback: number,
  unit = "milliseconds",
): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `Cannot create host: ${name} must be a positive number of ${unit}; current value is ${value}`,
    );
  }
  return value;
}

/** The default log sink: `[plugin] line` on stderr, never throwing, whatever the line holds. */
function writeToStderr(entry: PluginLogEntry): void {
  writeTagged(entry.plugin, entry.message);
}

/** The kinds in a grant beyond reading the plugin's own folder: what only a sandbox can enforce. */
function grantedBeyondOwnFolder(grant: PermissionGrant): string[] {
  return Object.entries(grant)
    .filter(([kind, items]) => items.length > (kind === "read" ? 1 : 0))
    .map(([kind, items]) =>
      `${kind === "imports" ? "imports" : `permissions.${kind}`} ${JSON.stringify(items)}`
    );
}

/** Everything needed to start one plugin, whether from disk or compiled in. */
interface Prepared {
  manifest: Manifest;
  dir: string;
  entry: string;
  grant: PermissionGrant;
  module?: PluginModule;
}

/** The implementation of {@linkcode Host}; tests may give it other tiers. */
export class PluginHost extends EventTarget implements Host {
  readonly policy: ResolvedPolicy;
  readonly #tiers: Record<string, IsolationTier>;
  readonly #isolation: string;
  readonly #callTimeoutMs: number;
  readonly #loadTimeoutMs: number;
  readonly #validate: boolean;
  readonly #maxMessageBytes: number;
  readonly #restart: ResolvedRestart;
  readonly #log: (entry: PluginLogEntry) => void;
  readonly #allowInline: boolean;
  readonly #registry = new Map<string, { module: PluginModule; manifest: Manifest }>();
  readonly #plugins = new Set<PluginHandle>();
  #closing: Promise<void> | undefined;

  constructor(options: HostOptions = {}, tiers: Record<string, IsolationTier> = TIERS) {
    super();
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create host: options must be an object; current value is ${String(options)}`,
      );
    }
    this.policy = resolvePolicy(options.allow);
    this.#tiers = tiers;
    this.#isolation = options.isolation ?? "process";
    if (!Object.hasOwn(tiers, this.#isolation)) {
      throw new RangeError(
        `Cannot create host: isolation ${
          JSON.stringify(this.#isolation)
        } is not a tier; use one of: ${Object.keys(tiers).join(", ")}`,
      );
    }
    this.#callTimeoutMs = positive("callTimeoutMs", options.callTimeoutMs, DEFAULT_CALL_TIMEOUT_MS);
    this.#loadTimeoutMs = positive("loadTimeoutMs", options.loadTimeoutMs, DEFAULT_LOAD_TIMEOUT_MS);
    this.#maxMessageBytes = positive(
      "maxMessageBytes",
      options.maxMessageBytes,
      DEFAULT_MAX_MESSAGE_BYTES,
      "bytes",
    );
    this.#validate = options.validate ?? true;
    this.#restart = resolveRestart(options.restart, "create host");
    if (options.log !== undefined && typeof options.log !== "function") {
      throw new TypeError(
        `Cannot create host: log must be a function; current value is ${String(options.log)}`,
      );
    }
    this.#log = options.log ?? writeToStderr;
    this.#allowInline = options.allowInline ?? true;
    for (const [name, module] of Object.entries(options.plugins ?? {})) this.register(name, module);
  }

  get plugins(): readonly Plugin[] {
    return [...this.#plugins];
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  #emit(type: string, detail: HostEventDetail): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** One plugin log message: a line per event and sink call, neutralised, at a known level. */
  #logLine(plugin: string, level: LogLevel, message: string): void {
    // The connection checks and splits already (`limitLog`); this keeps any other path as safe.
    const known = knownLevel(level);
    for (const line of logLines(message)) {
      this.#emit("log", { plugin, level: known, message: line });
      this.#log({ plugin, level: known, message: line });
    }
  }

  register(name: string, module: PluginModule, options: RegisterOptions = {}): void {
    if (typeof module !== "object" || module === null) {
      throw new TypeError(
        `Cannot register plugin "${name}": pass its module's exports, e.g. import * as ${name} from "../${name}.ts"`,
      );
    }
    if (this.#registry.has(name)) {
      throw new TypeError(
        `Cannot register plugin "${name}": a plugin of that name is registered already`,
      );
    }
    const manifest = parseManifest(
      {
        name,
        version: options.version ?? "0.0.0",
        implements: options.implements,
        description: options.description,
      },
      { file: `register("${name}")` },
    );
    this.#registry.set(name, { module, manifest });
  }

  /** The tier asked for, raised to the manifest's `isolation` when it asks for more, then checked. */
  #tierFor(prepared: Prepared, requested: string = this.#isolation): IsolationTier {
    const { manifest, grant } = prepared;
    if (!Object.hasOwn(this.#tiers, requested)) {
      throw new RangeError(
        `Cannot load plugin "${manifest.name}": isolation ${
          JSON.stringify(requested)
        } is not a tier; use one of: ${Object.keys(this.#tiers).join(", ")}`,
      );
    }
    const rank = (name: string) => ISOLATION_RANK[name] ?? 0;
    const asked = manifest.isolation;
    const name = prepared.module !== undefined
      ? "inline"
      : asked !== undefined && rank(asked) > rank(requested) && Object.hasOwn(this.#tiers, asked)
      ? asked
      : requested;
    const tier = this.#tiers[name] ?? inlineTier;
    if (tier.name === "inline" && !this.#allowInline) {
      throw new PluginLoadError(
        manifest.name,
        'this host forbids the inline tier (allowInline: false); load it with isolation: "process" or "worker"',
      );
    }
    const unenforced = tier.enforces.permissions ? [] : grantedBeyondOwnFolder(grant);
    if (unenforced.length > 0) {
      throw new PluginLoadError(
        manifest.name,
        `the ${tier.name} tier cannot enforce its grant (${unenforced.join(", ")}); ` +
          'load it with isolation: "process" (or "worker")',
      );
    }
    if (manifest.limits.memoryMb !== undefined && !tier.enforces.memoryLimit) {
      throw new PluginLoadError(
        manifest.name,
        `the ${tier.name} tier cannot enforce limits.memoryMb (${manifest.limits.memoryMb}); ` +
          'load it with isolation: "process"',
      );
    }
    const cache = tier.name === "worker" ? sharedDenoDirWritableBy(grant.write) : undefined;
    if (cache !== undefined) {
      throw new PluginLoadError(
        manifest.name,
        `its write grant ${JSON.stringify(grant.write)} covers ${cache}, where process-tier ` +
          "plugins' module cache lives, and a worker cannot be denied part of a grant; " +
          'grant a narrower folder, or load it with isolation: "process"',
      );
    }
    return tier;
  }

  /**
   * Finds the plugin and runs every load-time check, synchronously: on a local
   * folder each file system call takes microseconds, where an asynchronous one
   * costs a thread-pool round trip, and many loads at once would queue on it.
   * The import check alone lets the event loop run between modules, as a large
   * module graph takes up to a second to scan.
   */
  async #prepare(path: string | URL, signal: AbortSignal | undefined): Promise<Prepared> {
    const registered = typeof path === "string" ? this.#registry.get(path) : undefined;
    if (registered !== undefined) {
      const grant = resolveGrant(registered.manifest, "", this.policy);
      return {
        manifest: registered.manifest,
        dir: "",
        entry: "",
        grant: { ...grant, read: [] },
        module: registered.module,
      };
    }
    const { dir, manifest, entry } = findPlugin(path);
    const grant = resolveGrant(manifest, dir, this.policy);
    checkNoEscapingLinks(manifest.name, dir, grant.write);
    await checkModuleGraphAsync(manifest.name, fromFileUrl(entry), dir, grant, signal);
    return { manifest, dir, entry, grant };
  }

  async load<C extends Contract | readonly Contract[] = never>(
    path: string | URL,
    options: LoadOptions<C> = {},
  ): Promise<Plugin<SymbolsOf<C>>> {
    if (this.#closing !== undefined) {
      throw new PluginError(
        "Cannot load plugin: the host is closed; create a new one with createHost()",
      );
    }
    options.signal?.throwIfAborted();
    const prepared = await this.#prepare(path, options.signal);
    const { manifest } = prepared;
    const contracts = options.contract === undefined
      ? []
      : Array.isArray(options.contract)
      ? options.contract as readonly Contract[]
      : [options.contract as Contract];
    const contract = contracts.length > 0 ? negotiateContract(manifest, contracts) : undefined;
    const tier = this.#tierFor(prepared, options.isolation);
    const restart = options.restart === undefined
      ? this.#restart
      : resolveRestart(options.restart, "load plugin");
    const spec: IsolateSpec = {
      plugin: manifest.name,
      ...prepared,
      maxMessageBytes: this.#maxMessageBytes,
    };
    let supervisor: Supervisor | undefined = undefined;
    const openOptions: OpenOptions = {
      // The manifest may only shorten the host's deadline: it is the plugin's word, not the host's.
      timeoutMs: options.timeoutMs ?? atMost(manifest.limits.loadTimeoutMs, this.#loadTimeoutMs),
      maxMessageBytes: this.#maxMessageBytes,
      onCrash: (error) => supervisor?.crashed(error),
      onLog: (level, text) => this.#logLine(manifest.name, level, text),
      onDenied: ({ kind, value, symbol }) =>
        this.#emit("denied", { plugin: manifest.name, kind, value, symbol }),
      lowLatency: options.lowLatency,
    };
    const { connection, symbols } = await Connection.open(tier, spec, {
      ...openOptions,
      signal: options.signal,
    });
    try {
      if (contract !== undefined) checkSymbols(manifest.name, contract, symbols);
    } catch (error) {
      await connection.close();
      throw error;
    }
    let handle: PluginHandle | undefined = undefined;
    supervisor = new Supervisor(manifest.name, connection, restart, async () => {
      const reopened = await Connection.open(tier, spec, openOptions);
      return reopened.connection;
    }, {
      crash: (error) => this.#emit("crash", { plugin: manifest.name, error }),
      restart: (attempt) => this.#emit("restart", { plugin: manifest.name, attempt }),
      gone: () => {
        if (handle !== undefined) this.#plugins.delete(handle);
      },
    });
    handle = new PluginHandle({
      manifest,
      dir: prepared.dir,
      grant: prepared.grant,
      isolation: tier.name,
      contract,
      symbols,
      supervisor,
      callTimeoutMs: this.#callTimeoutMs,
      validate: this.#validate,
      onClose: (plugin) => {
        if (this.#plugins.delete(plugin)) this.#emit("close", { plugin: plugin.name });
      },
    });
    if (this.#closing !== undefined) {
      await handle.close();
      throw new PluginError("Cannot load plugin: the host was closed while it loaded");
    }
    this.#plugins.add(handle);
    this.#emit("load", { plugin: manifest.name });
    return handle as unknown as Plugin<SymbolsOf<C>>;
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

/**
 * Creates a plugin host.
 *
 * @param options The permission policy, isolation tier, deadlines, restart policy, log sink, compiled-in plugins.
 * @returns A host, ready to `load()` plugins.
 * @throws {TypeError} When the policy or another option is malformed.
 * @throws {RangeError} When a deadline or limit is not a positive number.
 *
 * @example Load a plugin and call it, as Go's plugin.Open / Lookup
 * ```ts
 * import { createHost, type Variable } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * await using host = createHost();
 * const plugin = await host.load("./plugins/myplugin");
 * const input = plugin.lookup<Variable<number>>("PluginInputNumber");
 * await input.set(7);
 * const describe = plugin.lookup<() => string>("Describe");
 * assert.equal(await describe(), "My custom code prints PluginInputNumber: 7");
 * ```
 *
 * @example A plugin compiled into the host, Kubernetes style
 * ```ts
 * import { createHost } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const qos = { less: (a: number, b: number) => a > b };
 * await using host = createHost({ plugins: { qos } });
 * const plugin = await host.load("qos");
 * assert.equal(plugin.isolation, "inline");
 * assert.equal(await plugin.call("less", [2, 1]), true);
 * ```
 */
export function createHost(options: HostOptions = {}): Host {
  return new PluginHost(options);
}
