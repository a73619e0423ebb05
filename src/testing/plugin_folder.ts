/**
 * What the test helpers read from a plugin's folder before loading it: its
 * manifest, the host policy that allows exactly what it asks for, and the
 * tiers it can run in.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type HostPolicy,
  type IsolationName,
  type Manifest,
  parseManifest,
  PERMISSION_KINDS,
} from "../../mod.ts";

/** A plugin folder, read: where it is and what its manifest says. */
export interface PluginFolder {
  /** The folder, absolute. */
  readonly dir: string;
  /** The parsed `plugin.json`. */
  readonly manifest: Manifest;
}

/** Paths in a manifest are relative to the plugin folder; in a policy, to the working directory. */
const PATH_KINDS: ReadonlySet<string> = new Set(["read", "write", "ffi"]);

/**
 * Reads the manifest of a plugin folder, given as `host.load()` takes it: a
 * folder, its `plugin.json`, or a `file:` URL of either.
 *
 * @throws {ManifestError} When plugin.json is invalid.
 * @throws {Deno.errors.NotFound} When there is no plugin.json.
 */
export async function readPluginFolder(path: string | URL): Promise<PluginFolder> {
  const url = path instanceof URL || path.startsWith("file:");
  const absolute = resolve(url ? fileURLToPath(path) : path);
  const isManifest = basename(absolute) === "plugin.json";
  const dir = isManifest ? dirname(absolute) : absolute;
  const file = isManifest ? absolute : join(absolute, "plugin.json");
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new Deno.errors.NotFound(
      `Cannot test the plugin at ${absolute}: ${file} does not exist; ` +
        'give the plugin\'s folder (the one holding plugin.json), e.g. new URL("./", import.meta.url)',
    );
  }
  return { dir, manifest: parseManifest(JSON.parse(text), { file }) };
}

/**
 * The host policy that allows exactly what the manifest asks for: what a host
 * meant for this plugin would allow, so a test needs no policy of its own.
 */
export function policyFor({ dir, manifest }: PluginFolder): HostPolicy {
  const policy: Record<string, readonly string[]> = {};
  for (const kind of PERMISSION_KINDS) {
    const items = manifest.permissions[kind] || [];
    if (items.length === 0) continue;
    policy[kind] = PATH_KINDS.has(kind) ? items.map((item) => resolve(dir, item)) : [...items];
  }
  if (manifest.imports.length > 0) policy.imports = [...manifest.imports];
  return policy;
}

/** Whether the manifest asks for anything the inline tier, which has no sandbox, cannot hold it to. */
function needsSandbox(manifest: Manifest): boolean {
  const asks = PERMISSION_KINDS.some((kind) => (manifest.permissions[kind] || []).length > 0);
  return asks || manifest.imports.length > 0 || manifest.limits.memoryMb !== undefined;
}

/**
 * The tiers a plugin can run in: the process tier always; the worker tier
 * unless the manifest asks for a process or a memory cap; the inline tier
 * when it asks for no permission, package or cap either.
 */
export function tiersFor(manifest: Manifest): IsolationName[] {
  if (manifest.isolation === "process" || manifest.limits.memoryMb !== undefined) {
    return ["process"];
  }
  if (manifest.isolation === "worker" || needsSandbox(manifest)) return ["process", "worker"];
  return ["process", "worker", "inline"];
}
