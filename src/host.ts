/**
 * The host: it holds the permission policy, loads plugins into an isolation
 * tier, and reports what happens to them as events.
 *
 * @module
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { fromFileUrl } from "./isolation/_file_url.ts";
import type { Contract, SymbolsOf } from "./contract.ts";
import { ManifestError, type PluginCrashedError, PluginError } from "./errors.ts";
import { workerTier } from "./isolation/worker.ts";
import { processTier } from "./isolation/process.ts";
import type { IsolationTier } from "./isolation/types.ts";
import { type Manifest, parseManifest } from "./manifest.ts";
import { checkSymbols, negotiateContract } from "./negotiate.ts";
import {
  type HostPolicy,
  type ResolvedPolicy,
  resolveGrant,
  resolvePolicy,
} from "./permissions.ts";
import { type Plugin, PluginHandle } from "./plugin.ts";
import { Connection } from "./_connection.ts";
import { DEFAULT_MAX_MESSAGE_BYTES } from "./_payload.ts";
import { checkNoEscapingLinks } from "./_folder_check.ts";
import { checkModuleGraph } from "./_module_graph.ts";

/**
 * The isolation tiers a host can run plugins in, from least to most isolated.
 *
 * - `"worker"`: a Web Worker in the host's process, holding exactly the
 *   plugin's grant. Fastest, but on Deno 2.9 it cannot contain a plugin that
 *   kills the host through a nested `node:worker_threads` worker or
 *   `node:process` (no permission guards `kill`, and a worker's pid is the
 *   host's), a busy loop that `terminate()` cannot stop (denoland/deno#35657),
 *   or heap exhaustion, which aborts the host (denoland/deno#35766). Choose it
 *   for plugins you trust; see SECURITY.md.
 * - `"process"`: a `deno run` child per plugin, with flags compiled from its
 *   grant, a heap cap and its own `DENO_DIR`: a hostile plugin harms only its
 *   own process.
 */
export type IsolationName = "worker" | "process";

const ISOLATION_RANK: Record<IsolationName, number> = { worker: 0, process: 1 };

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
   * Deadline of each call in milliseconds, unless the manifest's
   * `limits.callTimeoutMs` or the call's own `timeoutMs` says otherwise.
   *
   * @default {30000}
   */
  callTimeoutMs?: number;
  /**
   * Deadline for loading a plugin, in milliseconds, unless the manifest's
   * `limits.loadTimeoutMs` says otherwise.
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
   * @default {the manifest's limits.loadTimeoutMs, else the host's loadTimeoutMs}
   */
  timeoutMs?: number;
}

/** The `detail` of every host event. */
export interface HostEventDetail {
  /** The plugin's name. */
  plugin: string;
  /** For `"crash"`: why the plugin ended. */
  error?: PluginError;
}

/**
 * A plugin host. It is an `EventTarget` that dispatches `CustomEvent`s whose
 * `detail` is a {@linkcode HostEventDetail}: `"load"`, `"close"` and
 * `"crash"`.
 */
export interface Host extends EventTarget, AsyncDisposable {
  /** The policy, with paths made absolute. */
  readonly policy: ResolvedPolicy;
  /** The plugins loaded and not yet closed. */
  readonly plugins: readonly Plugin[];
  /** Whether the host was closed. */
  readonly closed: boolean;

  /**
   * Loads a plugin, like Go's `plugin.Open`.
   *
   * @param path The plugin's folder, or the path of its `plugin.json`.
   * @param options A contract to check and type it against, a deadline, a signal.
   * @returns The loaded plugin.
   * @throws {ManifestError} When plugin.json is missing or invalid.
   * @throws {PermissionDeniedError} When it asks for more than the policy allows.
   * @throws {IncompatiblePluginError} When it does not fit the contract or protocol.
   * @throws {PluginLoadError} When its code fails to load.
   * @throws {UnstableFlagError} When the host runs without `--unstable-worker-options`.
   */
  load<C extends Contract | readonly Contract[] = never>(
    path: string | URL,
    options?: LoadOptions<C>,
  ): Promise<Plugin<SymbolsOf<C>>>;

  /** Closes every plugin and refuses further loads. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_CALL_TIMEOUT_MS = 30_000;
const DEFAULT_LOAD_TIMEOUT_MS = 10_000;

const TIERS: Record<IsolationName, IsolationTier> = { worker: workerTier, process: processTier };

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

async function locate(path: string | URL): Promise<{ file: string; dir: string; shown: string }> {
  if (typeof path !== "string" && !(path instanceof URL)) {
    throw new TypeError(
      `Cannot load plugin: path must be a string or URL; current value is ${String(path)}`,
    );
  }
  if (path === "") {
    throw new TypeError("Cannot load plugin: path is empty; pass the plugin's folder");
  }
  const absolute = path instanceof URL ? fromFileUrl(path.href) : resolve(path);
  let file = absolute;
  try {
    if ((await Deno.stat(absolute)).isDirectory) file = join(absolute, "plugin.json");
  } catch (cause) {
    if (!(cause instanceof Deno.errors.NotFound)) throw cause;
    const shown = relative(Deno.cwd(), absolute) || ".";
    throw new ManifestError(shown, [{
      path: "",
      message: "does not exist; pass the plugin's folder or its plugin.json",
    }], { cause });
  }
  return { file, dir: dirname(file), shown: relative(Deno.cwd(), file) || basename(file) };
}

async function readManifest(file: string, shown: string): Promise<Manifest> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (cause) {
    const reason = cause instanceof Deno.errors.NotFound
      ? "does not exist; every plugin folder needs a plugin.json"
      : `cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`;
    throw new ManifestError(shown, [{ path: "", message: reason }], { cause });
  }
  return parseManifest(text, { file: shown });
}

async function entryUrl(manifest: Manifest, dir: string, shown: string): Promise<string> {
  const entry = resolve(dir, manifest.entry);
  try {
    if (!(await Deno.stat(entry)).isFile) throw new Deno.errors.NotFound();
  } catch (cause) {
    throw new ManifestError(shown, [{
      path: "entry",
      message: `${
        JSON.stringify(manifest.entry)
      } is not a file in ${dir}; point entry at the plugin's module`,
    }], { plugin: manifest.name, cause });
  }
  return pathToFileURL(entry).href;
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
    this.#validate = options.validate ?? true;
    this.#maxMessageBytes = positive(
      "maxMessageBytes",
      options.maxMessageBytes,
      DEFAULT_MAX_MESSAGE_BYTES,
      "bytes",
    );
  }

  get plugins(): readonly Plugin[] {
    return [...this.#plugins];
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** The tier asked for, raised to the manifest's `isolation` when it asks for more. */
  #tierFor(manifest: Manifest, requested: string = this.#isolation): IsolationTier {
    if (!Object.hasOwn(this.#tiers, requested)) {
      throw new RangeError(
        `Cannot load plugin "${manifest.name}": isolation ${
          JSON.stringify(requested)
        } is not a tier; use one of: ${Object.keys(this.#tiers).join(", ")}`,
      );
    }
    const asked = manifest.isolation;
    const rank = (name: string) => ISOLATION_RANK[name as IsolationName] ?? 0;
    const name =
      asked !== undefined && rank(asked) > rank(requested) && Object.hasOwn(this.#tiers, asked)
        ? asked
        : requested;
    return this.#tiers[name];
  }

  #emit(type: string, detail: HostEventDetail): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
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
    const located = await locate(path);
    const dir = await Deno.realPath(located.dir);
    const manifest = await readManifest(located.file, located.shown);
    const entry = await entryUrl(manifest, dir, located.shown);
    const contracts = options.contract === undefined
      ? []
      : Array.isArray(options.contract)
      ? options.contract as readonly Contract[]
      : [options.contract as Contract];
    const contract = contracts.length > 0 ? negotiateContract(manifest, contracts) : undefined;
    const grant = resolveGrant(manifest, dir, this.policy);
    await checkNoEscapingLinks(manifest.name, dir);
    await checkModuleGraph(manifest.name, fromFileUrl(entry), dir, grant);
    const tier = this.#tierFor(manifest, options.isolation);
    const timeoutMs = options.timeoutMs ?? manifest.limits.loadTimeoutMs ?? this.#loadTimeoutMs;
    let handle: PluginHandle | undefined = undefined;
    const { connection, symbols } = await Connection.open(
      tier,
      {
        plugin: manifest.name,
        dir,
        entry,
        manifest,
        grant,
        maxMessageBytes: this.#maxMessageBytes,
      },
      {
        timeoutMs,
        signal: options.signal,
        maxMessageBytes: this.#maxMessageBytes,
        onCrash: (error: PluginCrashedError) => {
          if (handle !== undefined) this.#plugins.delete(handle);
          this.#emit("crash", { plugin: manifest.name, error });
        },
      },
    );
    try {
      if (contract !== undefined) checkSymbols(manifest.name, contract, symbols);
    } catch (error) {
      await connection.close();
      throw error;
    }
    handle = new PluginHandle({
      manifest,
      dir,
      grant,
      isolation: tier.name,
      contract,
      symbols,
      connection,
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
 * @param options The permission policy, isolation tier, deadlines and validation.
 * @returns A host, ready to `load()` plugins.
 * @throws {TypeError} When the policy is malformed.
 * @throws {RangeError} When a deadline is not a positive number.
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
 */
export function createHost(options: HostOptions = {}): Host {
  return new PluginHost(options);
}
