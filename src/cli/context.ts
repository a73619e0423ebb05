/**
 * What every command gets: the host API (injected by `cli.ts`, the one place
 * that imports the host, so that `src/` keeps its layering), the output
 * streams, the styles and the progress line. The host types here name only
 * what the commands use; the real `createHost` fits them, and `cli.ts`
 * type-checks that it does.
 *
 * @module
 */
import type { LearnedPermissions } from "../permissions/learn.ts";
import type { HostPolicy, PermissionGrant } from "../permissions/permissions.ts";
import type { Manifest } from "../manifest/manifest.ts";
import type { SymbolInfo } from "../wire/protocol.ts";
import type { HostFunctions } from "../contract/host_types.ts";
import type { Output } from "./output.ts";
import type { Progress } from "./progress.ts";

/** The isolation tiers, as `createHost({ isolation })` names them. */
export const TIERS = ["process", "worker", "inline"] as const;

/** One isolation tier. */
export type Tier = typeof TIERS[number];

/** What `lookup()` gives: a function, or a variable or value to `get()`. */
export type CliRemote = ((...args: never[]) => Promise<unknown>) | { get(): Promise<unknown> };

/** A loaded plugin, as far as the commands use it. */
export interface CliPlugin {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly manifest: Manifest;
  readonly permissions: PermissionGrant;
  readonly isolation: Tier;
  readonly symbols: readonly SymbolInfo[];
  call(
    name: string,
    args?: readonly unknown[],
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<unknown>;
  stream(
    name: string,
    args?: readonly unknown[],
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): ReadableStream<unknown>;
  lookup(name: string, options?: { kind?: SymbolInfo["kind"] }): CliRemote;
  learned(): LearnedPermissions;
  close(): Promise<void>;
}

/** What the commands pass to `host.load()`. */
export interface CliLoadOptions {
  isolation?: Tier;
  learn?: boolean;
  provide?: HostFunctions;
  signal?: AbortSignal;
}

/** A host, as far as the commands use it. */
export interface CliHost {
  load(path: string, options?: CliLoadOptions): Promise<CliPlugin>;
  close(): Promise<void>;
}

/** What the commands pass to `createHost()`. */
export interface CliHostOptions {
  allow?: HostPolicy;
  isolation?: Tier;
  callTimeoutMs?: number;
  lock?: { path: string; update: boolean };
  log?: (entry: { plugin: string; level: string; message: string }) => void;
}

/** The host API the command runs on: `createHost` from `@sandplug/host`. */
export interface HostApi {
  createHost(options: CliHostOptions): CliHost;
}

/** Everything a command runs with. */
export interface CliContext {
  readonly api: HostApi;
  readonly output: Output;
  readonly progress: Progress;
}
