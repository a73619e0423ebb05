/**
 * The first step of a load: find the plugin, compiled in or on disk, and run
 * every check that needs no isolate.
 *
 * @module
 */
import type { Manifest } from "../manifest/manifest.ts";
import {
  type PermissionGrant,
  type ResolvedPolicy,
  resolveGrant,
} from "../permissions/permissions.ts";
import { checkNoEscapingLinks } from "../load/folder_check.ts";
import { findPlugin } from "../load/locate.ts";
import { type CheckedGraph, checkModuleGraphAsync } from "../load/module_graph.ts";
import { fromFileUrl } from "../load/file_url.ts";
import { isBareName, type Registry } from "./registry.ts";
import type { PluginModule } from "./types.ts";
import type { IsolationTier } from "../isolation/types.ts";
import type { Contract } from "../contract/contract.ts";

/** Everything needed to start one plugin, whether from disk or compiled in. */
export interface Prepared {
  readonly manifest: Manifest;
  /** The plugin's folder, absolute; empty for a compiled-in plugin. */
  readonly dir: string;
  /** The URL of its entry module; empty for a compiled-in plugin. */
  readonly entry: string;
  readonly grant: PermissionGrant;
  /** What the import check vouched for (a plugin on disk), for a tier that must tell changed code. */
  readonly graph?: CheckedGraph;
  /** A compiled-in plugin's exports. */
  readonly module?: PluginModule;
}

/** A plugin checked and ready to start: what a load or a reload does before any isolate runs. */
export interface Plan {
  /** The plugin, its grant's packages resolved to exact versions. */
  readonly prepared: Prepared;
  /** The grant as the manifest and policy give it, before packages are resolved. */
  readonly declared: PermissionGrant;
  readonly tier: IsolationTier;
  readonly contract: Contract | undefined;
}

/**
 * Finds the plugin `path` names and checks it. A bare name is looked up in
 * the registry; anything else is found on disk and its folder and module
 * graph checked, synchronously but for the graph: on a local folder each file
 * system call takes microseconds, where an asynchronous one costs a
 * thread-pool round trip, and many loads at once would queue on it. The graph
 * check alone lets the event loop run between modules, as a large graph takes
 * up to a second to scan.
 *
 * @throws {PluginLoadError} When a bare name is not a compiled-in plugin.
 * @throws {ManifestError | PermissionDeniedError | ImportDeniedError} From the checks.
 */
export async function prepare(
  path: string | URL,
  registry: Registry,
  policy: ResolvedPolicy,
  signal: AbortSignal | undefined,
): Promise<Prepared> {
  if (isBareName(path)) {
    const { manifest, module } = registry.get(path);
    const grant = resolveGrant(manifest, "", policy);
    // Compiled-in code has no folder of its own to read.
    return { manifest, dir: "", entry: "", grant: { ...grant, read: [] }, module };
  }
  const { dir, manifest, entry } = findPlugin(path);
  const grant = resolveGrant(manifest, dir, policy);
  checkNoEscapingLinks(manifest.name, dir, grant.write);
  const graph = await checkModuleGraphAsync(manifest.name, fromFileUrl(entry), dir, grant, signal);
  return { manifest, dir, entry, grant, graph };
}

/**
 * The prepared plugin with its grant's packages at the exact versions the
 * tier resolved them to, for a tier that provides packages itself; as it was
 * for any other tier, or a plugin that imports none.
 *
 * @throws {PluginError} When the tier cannot resolve a package.
 * @throws {DOMException} The signal's reason when it aborts.
 */
export async function withPackages(
  prepared: Prepared,
  tier: IsolationTier,
  signal: AbortSignal | undefined,
): Promise<Prepared> {
  const packages = prepared.graph?.packages ?? [];
  if (tier.resolveImports === undefined || packages.length + prepared.grant.imports.length === 0) {
    return prepared;
  }
  const grant = await tier.resolveImports(prepared.manifest.name, prepared.grant, packages, signal);
  return { ...prepared, grant };
}
