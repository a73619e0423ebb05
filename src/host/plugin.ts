/**
 * The handle of a loaded plugin: the implementation of {@linkcode Plugin}.
 *
 * @module
 */
import type { Contract, ContractSymbols, SymbolSpec } from "../contract/contract.ts";
import {
  PluginClosedError,
  PluginTimeoutError,
  SymbolKindError,
  SymbolNotFoundError,
  ValidationError,
} from "../errors/errors.ts";
import type { Manifest } from "../manifest/manifest.ts";
import type { PermissionGrant } from "../permissions/permissions.ts";
import type { SymbolInfo } from "../wire/protocol.ts";
import type {
  CallOptions,
  LookupOptions,
  RemoteFunction,
  StreamOptions,
  Variable,
} from "../contract/call_types.ts";
import type { Bounds } from "../connection/connection.ts";
import { hasRefs } from "../connection/refs.ts";
import type { IsolationTier } from "../isolation/types.ts";
import { CALL, GET, type RequestTag, SET } from "../wire/records.ts";
import type { Supervisor } from "./supervisor.ts";
import { validate } from "../contract/validate.ts";
import { positiveOption } from "../errors/options.ts";
import { atMost } from "./limits.ts";
import { boundOptions, callBounds, deadlineAsTimeout, mergeOptions } from "./call_bounds.ts";
import type { Plugin } from "./plugin_interface.ts";
import type { IsolationName } from "./types.ts";

/** How many items a stream's plugin may produce ahead of the reader, by default (as object-mode streams buffer). */
const DEFAULT_WINDOW = 16;

export type { Plugin } from "./plugin_interface.ts";

/** What the host hands a new plugin handle. */
export interface PluginParts {
  manifest: Manifest;
  dir: string;
  grant: PermissionGrant;
  isolation: IsolationName;
  contract: Contract | undefined;
  symbols: SymbolInfo[];
  supervisor: Supervisor;
  callTimeoutMs: number;
  validate: boolean;
  /** The tier's call without messages, when its isolates hand out their exports. */
  callDirect: IsolationTier["callDirect"];
  onClose(plugin: PluginHandle): void;
}

/** The implementation of {@linkcode Plugin}; not exported from the package. */
export class PluginHandle implements Plugin<ContractSymbols> {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly manifest: Manifest;
  readonly permissions: PermissionGrant;
  readonly isolation: IsolationName;
  readonly contract: Contract | undefined;
  readonly symbols: readonly SymbolInfo[];
  readonly #kinds: Map<string, SymbolInfo["kind"]>;
  readonly #supervisor: Supervisor;
  readonly #callTimeoutMs: number;
  readonly #validate: boolean;
  readonly #callDirect: IsolationTier["callDirect"];
  readonly #onClose: (plugin: PluginHandle) => void;
  #closing: Promise<void> | undefined;

  constructor(parts: PluginParts) {
    this.name = parts.manifest.name;
    this.version = parts.manifest.version;
    this.dir = parts.dir;
    this.manifest = parts.manifest;
    this.permissions = parts.grant;
    this.isolation = parts.isolation;
    this.contract = parts.contract;
    this.symbols = Object.freeze(parts.symbols.map((symbol) => Object.freeze({ ...symbol })));
    this.#kinds = new Map(parts.symbols.map((symbol) => [symbol.name, symbol.kind]));
    this.#supervisor = parts.supervisor;
    // The manifest may only shorten the host's deadline: it is the plugin's word, not the host's.
    this.#callTimeoutMs = atMost(parts.manifest.limits.callTimeoutMs, parts.callTimeoutMs);
    this.#validate = parts.validate;
    this.#callDirect = parts.callDirect;
    this.#onClose = parts.onClose;
  }

  get restarts(): number {
    return this.#supervisor.restarts;
  }

  get lowLatency(): boolean {
    return this.#supervisor.ready?.lowLatency ?? false;
  }

  get closed(): boolean {
    return this.#closing !== undefined || this.#supervisor.ended;
  }

  #kindOf(name: string): SymbolInfo["kind"] {
    if (typeof name !== "string") {
      throw new TypeError(
        `Cannot look up a symbol: name must be a string; current value is ${String(name)}`,
      );
    }
    const kind = this.#kinds.get(name);
    if (kind === undefined) throw new SymbolNotFoundError(this.name, name, [...this.#kinds.keys()]);
    return kind;
  }

  #spec(name: string): SymbolSpec | undefined {
    return this.#validate ? this.contract?.symbols[name] : undefined;
  }

  /** Sends one request within its bounds; a deadline from a signal rejects as every deadline does. */
  #send(
    tag: RequestTag,
    symbol: string,
    payload: unknown,
    options?: CallOptions,
  ): Promise<unknown> {
    if (this.#closing !== undefined) {
      return Promise.reject(new PluginClosedError(this.name, symbol));
    }
    const bounds = callBounds(options, this.#callTimeoutMs);
    const sent = this.#request(tag, symbol, payload, bounds);
    return bounds.signal === undefined
      ? sent
      : deadlineAsTimeout(sent, this.name, symbol, bounds.signal);
  }

  #request(tag: RequestTag, symbol: string, payload: unknown, bounds: Bounds): Promise<unknown> {
    const ready = this.#supervisor.ready;
    if (ready !== undefined) return ready.request(tag, symbol, payload, bounds);
    if (bounds.signal?.aborted) return Promise.reject(bounds.signal.reason);
    // A restart is under way (or the plugin is dead): wait for it, within the call's one deadline.
    const started = performance.now();
    return this.#supervisor.connection(symbol, bounds).then((connection) => {
      const left = bounds.timeoutMs - (performance.now() - started);
      if (left <= 0) throw new PluginTimeoutError(this.name, symbol, bounds.timeoutMs);
      return connection.request(tag, symbol, payload, { ...bounds, timeoutMs: left });
    });
  }

  lookup(name: string, options: LookupOptions = {}): never {
    const kind = this.#kindOf(name);
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
    return this.#variable(name, kind === "value", bound) as never;
  }

  #variable(name: string, readonly: boolean, bound: CallOptions | undefined): Variable<unknown> {
    const where = { plugin: this.name, symbol: name, prefix: "value" };
    return Object.freeze({
      name,
      readonly,
      get: async (options?: CallOptions) => {
        const value = await this.#send(GET, name, undefined, mergeOptions(bound, options));
        const spec = this.#spec(name);
        return spec?.kind === "variable" ? validate(spec.schema, value, where) : value;
      },
      set: async (value: unknown, options?: CallOptions) => {
        if (readonly) {
          throw new SymbolKindError(this.name, name, "writable variable", "read-only value");
        }
        const spec = this.#spec(name);
        const checked = spec?.kind === "variable"
          ? await validate(spec.schema, value, where)
          : value;
        await this.#send(SET, name, checked, mergeOptions(bound, options));
      },
    });
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
      const kind = this.#kindOf(name);
      if (kind !== "function") throw new SymbolKindError(this.name, name, "function", kind);
      const spec = this.#spec(name);
      if (spec?.kind === "function") return this.#callValidated(name, spec, args, options);
      // A signal needs the messages' cancel path: only plain calls skip them.
      // So do callbacks and streams among the arguments, which cross as references.
      const callDirect = options?.signal === undefined && this.#closing === undefined &&
          !hasRefs(args)
        ? this.#callDirect
        : undefined;
      const direct = callDirect === undefined ? undefined : this.#supervisor.ready?.direct;
      if (callDirect === undefined || direct === undefined) {
        return this.#send(CALL, name, args, options);
      }
      const timeoutMs = positiveOption(
        "call",
        "timeoutMs",
        options?.timeoutMs,
        this.#callTimeoutMs,
      );
      return Promise.resolve(callDirect(this.name, name, direct[name], args, timeoutMs));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #callValidated(
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
    const result = await this.#send(CALL, name, checked, options);
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
    const kind = this.#kindOf(name);
    if (kind !== "function") throw new SymbolKindError(this.name, name, "function", kind);
    const timeoutMs = positiveOption(
      "stream",
      "timeoutMs",
      options?.timeoutMs,
      this.#callTimeoutMs,
    );
    const window = positiveOption("stream", "window", options?.window, DEFAULT_WINDOW);
    const bounds = { timeoutMs, signal: options?.signal, window: Math.floor(window) };
    if (this.#closing !== undefined) {
      const closed = new PluginClosedError(this.name, name);
      return new ReadableStream({ start: (controller) => controller.error(closed) });
    }
    const copied = [...args];
    const ready = this.#supervisor.ready;
    if (ready !== undefined) return ready.stream(name, copied, bounds) as ReadableStream<T>;
    // A restart is under way: the stream starts on the restarted plugin, within the first item's deadline.
    const supervisor = this.#supervisor;
    return ReadableStream.from((async function* () {
      const connection = await supervisor.connection(name, bounds);
      yield* connection.stream(name, copied, bounds);
    })()) as ReadableStream<T>;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#onClose(this);
      await this.#supervisor.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
