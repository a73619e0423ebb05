/**
 * The seam between the host and an isolation tier. The host knows tiers only
 * through {@linkcode IsolationTier}; each tier carries protocol messages to
 * and from one plugin's runtime.
 *
 * @module
 */
import type { Manifest } from "../manifest/manifest.ts";
import type { PermissionGrant } from "../permissions/permissions.ts";
import type { HostMessage, LogLevel, PluginMessage } from "../wire/protocol.ts";

/** What a tier needs to start one plugin. */
export interface IsolateSpec {
  /** The plugin's name. */
  readonly plugin: string;
  /** The plugin's folder, absolute. */
  readonly dir: string;
  /** The URL of the plugin's entry module. */
  readonly entry: string;
  /** The plugin's parsed manifest. */
  readonly manifest: Manifest;
  /** The effective grant the isolate must hold, and nothing more. */
  readonly grant: PermissionGrant;
  /**
   * What the host's import check vouched for, for a plugin on disk: a digest
   * of its modules' content, so that a tier which imports them into a
   * long-lived isolate can tell changed code from code it imported before.
   */
  readonly graph?: {
    readonly digest: string;
    readonly absoluteImports: boolean;
    /** The package and plugin SDK specifiers its code writes, each once. */
    readonly packages: readonly string[];
  };
  /** A module already in memory (a plugin compiled into the host), used instead of importing `entry`. */
  readonly module?: Readonly<Record<string, unknown>>;
  /** The host's `maxMessageBytes`: the largest payload, in approximate bytes, one call may carry. */
  readonly maxMessageBytes: number;
  /**
   * Learn mode: a private folder where a tier that can have Deno audit every
   * permission check of its isolates (`DENO_AUDIT_PERMISSIONS`) writes one
   * JSONL file per isolate it starts. Tiers that cannot ignore it.
   */
  readonly auditDir?: string;
}

/** How a tier reports what happens in the isolate. */
export interface IsolateEvents {
  /** A line the plugin wrote outside the protocol (a process's stderr). */
  log?(level: LogLevel, text: string): void;
  /** A message from the plugin's runtime. Tiers pass along whatever arrives; the host checks it. */
  message(message: PluginMessage): void;
  /** The isolate ended without being asked to (uncaught error, lost channel, exit). */
  exit(reason: string): void;
}

/** One running plugin isolate. */
export interface Isolate {
  /**
   * Sends a message to the plugin's runtime.
   *
   * @throws {DOMException} `DataCloneError` when the message cannot be serialised.
   */
  send(message: HostMessage, transfer?: Transferable[]): void;
  /**
   * For a tier in the host's own isolate, once loaded: by export name, what
   * the tier's {@linkcode IsolationTier.callDirect} takes as `target` to call
   * that export without messages (the host passes it along, nothing more).
   */
  readonly direct?: Readonly<Record<string, unknown>>;
  /**
   * Ends the isolate at once. Safe to call more than once. A promise, when
   * returned, settles once everything the isolate held (a child process, temp
   * files) is released.
   */
  terminate(): void | Promise<void>;
}

/** What a tier can hold a plugin to. A load that needs more fails, naming a tier that can. */
export interface TierGuarantees {
  /** The plugin holds only its grant (Deno permissions beyond reading its folder). */
  readonly permissions: boolean;
  /** `limits.memoryMb` is enforced. */
  readonly memoryLimit: boolean;
}

/** An isolation tier: a way to run plugin code apart from the host. */
export interface IsolationTier {
  /** The tier's name, e.g. `"worker"`. */
  readonly name: string;
  /** What the tier enforces. */
  readonly enforces: TierGuarantees;
  /**
   * How the tier serves a load with `lowLatency: true`: `"channel"` opens a
   * shared-memory channel to the isolate; `"direct"`: calls are direct
   * already. Absent, the tier refuses the option.
   */
  readonly lowLatency?: "channel" | "direct";
  /**
   * Whether values reach the isolate by structured clone and buffers can be
   * transferred (a worker): then a large buffer is copied once and the copy
   * transferred, rather than cloned in two copies.
   */
  readonly clones?: boolean;
  /** Whether the tier writes Deno's audit of every permission check to `IsolateSpec.auditDir`. */
  readonly audits?: boolean;
  /**
   * A rule of the tier about a plugin's grant, beyond what
   * {@linkcode TierGuarantees} says: why the tier refuses `grant`, as the
   * reason of a `PluginLoadError` (what is wrong and how to fix it), or
   * `undefined` when it takes it.
   */
  checkGrant?(grant: PermissionGrant): string | undefined;
  /**
   * For a tier whose isolates hand out {@linkcode Isolate.direct} exports:
   * calls `target`, one of them, without messages, with the semantics of the
   * tier's messages (a throw becomes a `PluginCallError`; a promise gets the
   * deadline and rejects with `PluginTimeoutError` when it passes).
   *
   * `checkedArgs` leading arguments were checked already by the caller (what may cross).
   *
   * @returns The result as it is when synchronous, else a promise of it.
   * @throws {PluginCallError} When `target` threw synchronously.
   */
  callDirect?(
    plugin: string,
    symbol: string,
    target: unknown,
    args: readonly unknown[],
    timeoutMs: number,
    checkedArgs?: number,
  ): unknown;
  /**
   * For a tier that provides a plugin's packages itself rather than through
   * the host's module resolution: resolves (and fetches, the first time) the
   * packages the grant declares and the code writes, before any isolate
   * starts.
   *
   * @param plugin The plugin's name, for errors.
   * @param grant Its effective grant.
   * @param packages The package and plugin SDK specifiers its code writes.
   * @param signal The load's signal: aborting it stops waiting (the tier bounds the work itself).
   * @returns The grant with each declared package at the exact versions it resolved to.
   * @throws {PluginError} When a package cannot be resolved.
   */
  resolveImports?(
    plugin: string,
    grant: PermissionGrant,
    packages: readonly string[],
    signal?: AbortSignal,
  ): Promise<PermissionGrant>;
  /**
   * For a tier that implements {@linkcode IsolationTier.resolveImports}: the
   * registry integrity of every package it installed for a plugin (declared,
   * and what they depend on) by exact specifier (`npm:marked@18.2.1` →
   * `sha512-…`), for the integrity lock; undefined when it installed none.
   *
   * @param grant The grant `resolveImports` returned.
   * @param packages The package and plugin SDK specifiers its code writes.
   */
  packageIntegrity?(
    grant: PermissionGrant,
    packages: readonly string[],
  ): Readonly<Record<string, string>> | undefined;
  /**
   * Starts an isolate for one plugin. The runtime in it waits for the host's
   * `init` message before it loads any plugin code.
   *
   * @throws {PluginError} When the isolate cannot be started at all.
   */
  start(spec: IsolateSpec, events: IsolateEvents): Isolate;
}
