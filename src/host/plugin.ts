/**
 * The handle of a loaded plugin: the implementation of {@linkcode Plugin}.
 *
 * @module
 */
import type { Contract, ContractSymbols, SymbolSpec } from "../contract/contract.ts";
import { PluginClosedError, SymbolKindError, ValidationError } from "../errors/errors.ts";
import type { Manifest } from "../manifest/manifest.ts";
import type { PermissionGrant } from "../permissions/permissions.ts";
import type { SymbolInfo } from "../wire/protocol.ts";
import type {
  CallOptions,
  LookupOptions,
  RemoteFunction,
  StreamOptions,
} from "../contract/call_types.ts";
import { hasRefs } from "../connection/refs.ts";
import { ITEM_CALLS, type ItemCall } from "../contract/item_calls.ts";
import { directItemCalls } from "./item_calls.ts";
import { CALL, type RequestTag } from "../wire/records.ts";
import type { Supervisor } from "./supervisor.ts";
import { type Instance, kindIn } from "./instance.ts";
import { Versions } from "./versions.ts";
import type { Learning } from "./learning.ts";
import type { LearnedPermissions } from "../permissions/learn.ts";
import { requestTo, streamBounds, streamFrom } from "./instance_calls.ts";
import { remoteVariable } from "./remote_variable.ts";
import type { ReloadOptions, ReloadResult } from "./reload_types.ts";
import { validate } from "../contract/validate.ts";
import { positiveOption } from "../errors/options.ts";
import { boundOptions, callBounds, deadlineAsTimeout } from "./call_bounds.ts";
import type { Plugin } from "./plugin_interface.ts";
import type { IsolationName } from "./types.ts";

export type { Plugin } from "./plugin_interface.ts";

/** What the host hands a new plugin handle. */
export interface PluginParts {
  /** The version that runs first. */
  instance: Instance;
  /** What the plugin used or was refused, when loaded with `learn: true`. */
  learning?: Learning;
  validate: boolean;
  onClose(plugin: PluginHandle): void;
  /** Loads the plugin's folder again as a new version and swaps it in (the host's part of `reload()`). */
  reload(plugin: PluginHandle, options: ReloadOptions): Promise<ReloadResult>;
}

/** The implementation of {@linkcode Plugin}; not exported from the package. */
export class PluginHandle implements Plugin<ContractSymbols> {
  readonly name: string;
  readonly #versions: Versions;
  readonly #validate: boolean;
  readonly #onClose: (plugin: PluginHandle) => void;
  readonly #reload: PluginParts["reload"];
  readonly #learning: Learning | undefined;
  #closing: Promise<void> | undefined;
  /** Aborts when the plugin is closed: a reload under way stops waiting for its new version. */
  readonly #closed = new AbortController();

  constructor(parts: PluginParts) {
    this.name = parts.instance.manifest.name;
    this.#versions = new Versions(parts.instance);
    this.#validate = parts.validate;
    this.#onClose = parts.onClose;
    this.#reload = parts.reload;
    this.#learning = parts.learning;
  }

  get version(): string {
    return this.#versions.current.manifest.version;
  }

  get dir(): string {
    return this.#versions.current.dir;
  }

  get manifest(): Manifest {
    return this.#versions.current.manifest;
  }

  get permissions(): PermissionGrant {
    return this.#versions.current.grant;
  }

  get isolation(): IsolationName {
    return this.#versions.current.isolation;
  }

  get contract(): Contract | undefined {
    return this.#versions.current.contract;
  }

  get symbols(): readonly SymbolInfo[] {
    return this.#versions.current.symbols;
  }

  get restarts(): number {
    return this.#versions.restarts;
  }

  get lowLatency(): boolean {
    return this.#versions.current.supervisor.ready?.lowLatency ?? false;
  }

  get closed(): boolean {
    return this.#closing !== undefined || this.#versions.current.supervisor.ended;
  }

  /** The running version. */
  get current(): Instance {
    return this.#versions.current;
  }

  /** Aborts when the plugin is closed. */
  get closedSignal(): AbortSignal {
    return this.#closed.signal;
  }

  /** Whether `supervisor` runs the current version (not one draining after a reload). */
  runs(supervisor: Supervisor): boolean {
    return this.#versions.current.supervisor === supervisor;
  }

  #spec(at: Instance, name: string): SymbolSpec | undefined {
    return this.#validate ? at.contract?.symbols[name] : undefined;
  }

  /** Sends one request within its bounds; a deadline from a signal rejects as every deadline does. */
  #send(
    at: Instance,
    tag: RequestTag,
    symbol: string,
    payload: unknown,
    options?: CallOptions,
  ): Promise<unknown> {
    if (this.#closing !== undefined) {
      return Promise.reject(new PluginClosedError(this.name, symbol));
    }
    const bounds = callBounds(options, at.callTimeoutMs);
    const sent = requestTo(at.supervisor, this.name, tag, symbol, payload, bounds);
    return bounds.signal === undefined
      ? sent
      : deadlineAsTimeout(sent, this.name, symbol, bounds.signal);
  }

  lookup(name: string, options: LookupOptions = {}): never {
    const kind = kindIn(this.#versions.current, name);
    if (options.kind !== undefined && options.kind !== kind) {
      throw new SymbolKindError(this.name, name, options.kind, kind);
    }
    const bound = boundOptions(options);
    if (kind === "function") {
      // The rest parameter is a fresh array, so it needs no defensive copy.
      const remote: RemoteFunction = (...args: unknown[]) => this.#call(name, args, bound);
      Object.defineProperty(remote, "name", { value: name });
      return remote as never;
    }
    return remoteVariable(name, kind === "value", bound, {
      plugin: this.name,
      current: () => this.#versions.current,
      spec: (at) => this.#spec(at, name),
      send: (at, tag, payload, options) => this.#send(at, tag, name, payload, options),
    }) as never;
  }

  call(name: string, args: readonly unknown[] = [], options?: CallOptions): Promise<unknown> {
    if (!Array.isArray(args)) {
      return Promise.reject(
        new TypeError(
          `Cannot call "${name}": args must be an array; current value is ${String(args)}`,
        ),
      );
    }
    // Copied: the arguments leave at the end of the tick, and the caller may reuse its array before.
    return this.#call(name, [...args], options);
  }

  /** Calls with arguments the handle owns. Never throws: every failure is a rejection. */
  #call(name: string, args: unknown[], options?: CallOptions): Promise<unknown> {
    try {
      // One version serves the call from start to end, even if a reload swaps another in meanwhile.
      const at = this.#versions.current;
      const kind = kindIn(at, name);
      if (kind !== "function") throw new SymbolKindError(this.name, name, "function", kind);
      const spec = this.#spec(at, name);
      if (spec?.kind === "function") return this.#callValidated(at, name, spec, args, options);
      // A signal needs the messages' cancel path: only plain calls skip them.
      // So do callbacks and streams among the arguments, which cross as references.
      const callDirect = options?.signal === undefined && this.#closing === undefined &&
          !hasRefs(args)
        ? at.callDirect
        : undefined;
      const direct = callDirect === undefined ? undefined : at.supervisor.ready?.direct;
      if (callDirect === undefined || direct === undefined) {
        return this.#send(at, CALL, name, args, options);
      }
      const timeoutMs = positiveOption(
        "call",
        "timeoutMs",
        options?.timeoutMs,
        at.callTimeoutMs,
      );
      return Promise.resolve(callDirect(this.name, name, direct[name], args, timeoutMs));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** For a framework run: `symbol`'s direct calls about many items (`item_calls.ts`), or undefined. */
  [ITEM_CALLS](symbol: string, subject: unknown, timeoutMs?: number): ItemCall | undefined {
    const at = this.#versions.current;
    if (this.#spec(at, symbol) !== undefined) return undefined; // validated call by call
    return directItemCalls(at, this.name, symbol, subject, timeoutMs, {
      closed: () => this.#closing !== undefined,
      call: (args, options) => this.#call(symbol, args, options),
    });
  }

  async #callValidated(
    at: Instance,
    name: string,
    spec: Extract<SymbolSpec, { kind: "function" }>,
    args: unknown[],
    options?: CallOptions,
  ): Promise<unknown> {
    if (args.length > spec.args.length) {
      throw new ValidationError(
        this.name,
        name,
        "args",
        `expected at most ${spec.args.length} arguments, received ${args.length}`,
      );
    }
    const checked = await Promise.all(
      spec.args.map((schema, index) =>
        validate(schema, args[index], { plugin: this.name, symbol: name, prefix: `args[${index}]` })
      ),
    );
    const result = await this.#send(at, CALL, name, checked, options);
    return validate(spec.returns, result, { plugin: this.name, symbol: name, prefix: "result" });
  }

  stream<T = unknown>(
    name: string,
    args: readonly unknown[] = [],
    options?: StreamOptions,
  ): ReadableStream<T> {
    if (!Array.isArray(args)) {
      throw new TypeError(
        `Cannot stream "${name}": args must be an array; current value is ${args}`,
      );
    }
    const at = this.#versions.current;
    const kind = kindIn(at, name);
    if (kind !== "function") throw new SymbolKindError(this.name, name, "function", kind);
    const bounds = streamBounds(options, at.callTimeoutMs);
    if (this.#closing !== undefined) {
      const closed = new PluginClosedError(this.name, name);
      return new ReadableStream({ start: (controller) => controller.error(closed) });
    }
    return streamFrom(at.supervisor, name, [...args], bounds) as ReadableStream<T>;
  }

  reload(options: ReloadOptions = {}): Promise<ReloadResult> {
    if (this.#closing !== undefined) {
      return Promise.reject(new PluginClosedError(this.name, "reload"));
    }
    return this.#versions.queue(() => this.#reload(this, options));
  }

  learned(): LearnedPermissions {
    if (this.#learning === undefined) {
      throw new TypeError(
        `Cannot tell what plugin "${this.name}" needs: it was not loaded in learn mode; ` +
          "load it with host.load(dir, { learn: true })",
      );
    }
    const { dir, manifest } = this.#versions.current;
    return this.#learning.learned(dir, manifest);
  }

  /** Makes `next` the running version; see {@linkcode Versions.swap}. */
  swap(next: Instance, drainTimeoutMs: number): Promise<void> {
    return this.#versions.swap(next, drainTimeoutMs);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed.abort(new PluginClosedError(this.name, "reload"));
      this.#onClose(this);
      await this.#versions.close();
      await this.#learning?.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
