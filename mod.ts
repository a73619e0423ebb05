/**
 * sandplug: load third-party plugins into a Deno program safely. Each plugin
 * is a folder with a `plugin.json` manifest and code; the host runs it in an
 * isolate holding exactly the Deno permissions its manifest asks for and the
 * host's policy allows, and hands out its exports in the style of Go's
 * `plugin.Open` / `p.Lookup("Name")`, checked against semver-versioned
 * contracts.
 *
 * Plugin authors import the SDK from `@sandplug/host/plugin`.
 *
 * @example Go's plugin.Open / Lookup, in a sandbox
 * ```ts
 * import { createHost, type Variable } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const host = createHost({ allow: { read: ["./plugins"] } });
 * const p = await host.load("./plugins/myplugin");
 * const input = p.lookup<Variable<number>>("PluginInputNumber");
 * await input.set(7);
 * assert.equal(await input.get(), 7);
 * assert.deepEqual(p.permissions.write, []);
 * await p.close();
 * await host.close();
 * ```
 *
 * @example A typed, validated contract
 * ```ts
 * import { createHost, defineContract, fn, variable } from "@sandplug/host";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const greeter = defineContract({
 *   name: "greeter",
 *   version: "1.0.0",
 *   symbols: {
 *     greet: fn({ args: [z.string()], returns: z.string() }),
 *     greetings: variable(z.number()),
 *   },
 * });
 * await using host = createHost();
 * const p = await host.load("./plugins/greeter", { contract: greeter });
 * const greet = p.lookup("greet"); // (name: string) => Promise<string>
 * assert.equal(await greet("Ada"), "Hello, Ada!");
 * assert.equal(await p.lookup("greetings").get(), 1);
 * ```
 *
 * @module
 */
export { createHost } from "./src/create_host.ts";
export type { Host } from "./src/host/host_interface.ts";
export type { HostEventDetail, HostEventMap } from "./src/host/events.ts";
export type {
  HostOptions,
  IsolationName,
  LoadOptions,
  LogLevel,
  PluginLogEntry,
  PluginModule,
  RegisterOptions,
  RestartPolicy,
} from "./src/host/types.ts";
export type { RestartOptions } from "./src/host/supervisor.ts";
export type { ReloadOptions, ReloadResult, UpgradeApproval } from "./src/host/reload_types.ts";
export type { LoadAllResult } from "./src/host/load_all.ts";
export type { PluginWatcher, WatchOptions } from "./src/host/watch.ts";
export type { Discovery, DiscoveryProblem, FoundPlugin } from "./src/load/discover.ts";
export { type UpgradeRefusal, UpgradeRefusedError } from "./src/errors/upgrade_errors.ts";
export {
  type ChangeKind,
  type IntegrityChange,
  IntegrityError,
  type LockedPackage,
  LockFileError,
} from "./src/errors/integrity_error.ts";
export type { LockOption } from "./src/load/lock.ts";
export {
  diffPermissions,
  type DiffPermissionsOptions,
  type KindChange,
  type PermissionDiff,
  type PermissionSet,
} from "./src/permissions/diff.ts";
export {
  type Access,
  type LearnedPermissions,
  learnPermissions,
  type LearnPermissionsOptions,
  type UnresolvedAccess,
} from "./src/permissions/learn.ts";
export { parseAuditLines } from "./src/permissions/audit.ts";
export type { Plugin } from "./src/host/plugin_interface.ts";
export { type Callback, callback } from "./src/connection/refs.ts";
export type {
  CallOptions,
  LookupOptions,
  Remote,
  RemoteFunction,
  StreamOptions,
  SymbolInfo,
  SymbolKind,
  Variable,
} from "./src/contract/call_types.ts";
export { defineContract, fn, variable } from "./src/contract/contract.ts";
export type {
  HostFunctions,
  ProvidedFunction,
  ProvidedOf,
  ProvideOf,
  ReceivedArgsOf,
} from "./src/contract/host_types.ts";
export type {
  ArgsOf,
  Contract,
  ContractDefinition,
  ContractSymbols,
  FnSpec,
  HostSpecs,
  RemoteOf,
  SymbolsOf,
  SymbolSpec,
  VariableSpec,
} from "./src/contract/contract.ts";
export {
  HostClosedError,
  ImportDeniedError,
  IncompatiblePluginError,
  ManifestError,
  PayloadTooLargeError,
  PermissionDeniedError,
  PermissionPromptError,
  PluginCallError,
  PluginClosedError,
  PluginCrashedError,
  PluginError,
  PluginLoadError,
  PluginTimeoutError,
  SymbolKindError,
  SymbolNotFoundError,
  UnstableFlagError,
  ValidationError,
} from "./src/errors/errors.ts";
export type {
  DeniedImport,
  DeniedPermission,
  ManifestIssue,
  PluginErrorCode,
  PluginErrorOptions,
} from "./src/errors/errors.ts";
export {
  manifestJsonSchema,
  manifestSchema,
  parseManifest,
  tryParseManifest,
} from "./src/manifest/manifest.ts";
export { SYS_NAMES } from "./src/manifest/manifest.ts";
export type {
  Manifest,
  ManifestLimits,
  ManifestPermissions,
  ManifestSchema,
  ParseManifestOptions,
  ParseManifestResult,
  SysName,
} from "./src/manifest/manifest.ts";
export { PERMISSION_KINDS } from "./src/permissions/permissions.ts";
export type { HostPolicy, PermissionGrant, PermissionKind } from "./src/permissions/permissions.ts";
export { PROTOCOL_VERSION } from "./src/wire/protocol_version.ts";
export { transfer } from "./src/wire/transfer.ts";
export type { InferInput, InferOutput, StandardSchemaV1 } from "./src/contract/standard_schema.ts";
export { createFramework } from "./src/framework/framework.ts";
export type { Framework, FrameworkOptions } from "./src/framework/framework_interface.ts";
export {
  type FilterPoint,
  type FirstPoint,
  type Normalize,
  type OnError,
  type Point,
  point,
  type PointBase,
  type PointKind,
  type PointOptions,
  type ScorePoint,
  type ScorePointOptions,
  type SortPoint,
} from "./src/framework/points.ts";
export type { Profile, ProfileEntry, WeightedPlugin } from "./src/framework/profile.ts";
export type { FrameworkPlugin, UseOptions } from "./src/framework/members.ts";
export type {
  FilterResult,
  FirstResult,
  PointSkip,
  Rejection,
  RunArgs,
  RunOptions,
  RunResult,
  Scored,
  ScoreResult,
  SortResult,
} from "./src/framework/results.ts";
export type { FrameworkMetrics, PluginMetrics } from "./src/framework/metrics.ts";
export {
  ExtensionPointError,
  type ExtensionPointErrorOptions,
  FrameworkProfileError,
  type FrameworkProfileErrorOptions,
} from "./src/framework/errors.ts";
