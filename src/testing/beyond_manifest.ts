/**
 * What a plugin needed beyond its manifest: the refusals its host reported
 * and, in learn mode, what `learned()` found, less what `plugin.json` lists.
 *
 * @module
 */
import {
  type ContractSymbols,
  diffPermissions,
  learnPermissions,
  type ManifestPermissions,
  PERMISSION_KINDS,
  type Plugin,
  type UnresolvedAccess,
} from "../../mod.ts";
import type { Recorder } from "./denials.ts";

/** One permission item the manifest does not list, in the manifest's spelling. */
export interface NeededItem {
  readonly kind: string;
  readonly item: string;
}

/** Everything a plugin needed beyond its manifest so far. */
export interface Beyond {
  /** Items a `plugin.json` could list. */
  readonly items: readonly NeededItem[];
  /** Accesses no `plugin.json` item can allow. */
  readonly unresolved: readonly UnresolvedAccess[];
}

/** What learn mode found, or undefined when the plugin was not loaded with `learn: true`. */
function learnedBy<S extends ContractSymbols>(plugin: Plugin<S>) {
  try {
    return plugin.learned();
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

/** Whether the plugin can be checked: loaded by the helpers, or in learn mode. */
export function canCheck<S extends ContractSymbols>(
  plugin: Plugin<S>,
  recorder: Recorder | undefined,
): boolean {
  return recorder !== undefined || learnedBy(plugin) !== undefined;
}

/** Everything the plugin needed beyond its manifest since it loaded. */
export function beyondManifest<S extends ContractSymbols>(
  plugin: Plugin<S>,
  recorder: Recorder | undefined,
): Beyond {
  const { dir, manifest } = plugin;
  const folder = dir === "" ? Deno.cwd() : dir;
  const refused = learnPermissions(folder, recorder?.denials ?? []);
  const learned = learnedBy(plugin);
  // Its own folder is always readable, though plugin.json does not say so.
  const listed = { ...manifest.permissions, read: [".", ...(manifest.permissions.read || [])] };
  const items: NeededItem[] = [];
  const seen = new Set<string>();
  for (const kind of PERMISSION_KINDS) {
    for (
      const item of [...(refused.permissions[kind] || []), ...(learned?.permissions[kind] || [])]
    ) {
      const key = `${kind} ${item}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (diffPermissions(listed, { [kind]: [item] }, { dir: folder }).widens) {
        items.push({ kind, item });
      }
    }
  }
  const unresolved = [...refused.unresolved];
  for (const access of learned?.unresolved ?? []) {
    if (!unresolved.some((u) => u.kind === access.kind && u.value === access.value)) {
      unresolved.push(access);
    }
  }
  return { items, unresolved };
}

/** The manifest's `permissions` with `items` added: what to paste into plugin.json. */
export function permissionsWith<S extends ContractSymbols>(
  plugin: Plugin<S>,
  items: readonly NeededItem[],
): ManifestPermissions {
  const folder = plugin.dir === "" ? Deno.cwd() : plugin.dir;
  const accesses = items.map(({ kind, item }) => ({ kind, value: item }));
  // Items are in the manifest's spelling: "./x" is relative to the plugin folder.
  return learnPermissions(folder, accesses, { base: plugin.manifest.permissions, cwd: folder })
    .permissions;
}
