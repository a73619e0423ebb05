/**
 * The plugin folders a command is given: each must exist, and a command that
 * takes several (check, lock) also takes a folder of plugins, as
 * `host.loadAll()` does.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { discoverPlugins } from "../load/discover.ts";
import { ManifestError, type PluginError } from "../errors/errors.ts";
import { UsageError } from "./exit_code.ts";
import { shownPath } from "./output.ts";

/** A plugin a command works on. */
export interface Target {
  /** Its folder (or manifest file), absolute. */
  readonly path: string;
  /** As shown in output: relative to the working folder. */
  readonly shown: string;
  /** Why discovery could not read it, when that is other than its manifest (a duplicate name, a dangling link). */
  readonly problem?: PluginError;
}

function statOf(path: string, verb: string): Deno.FileInfo {
  try {
    return Deno.statSync(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "it does not exist"
      : `it cannot be read (${(error as Error).message})`;
    throw new UsageError(`Cannot ${verb} ${path}: ${reason}; pass a plugin folder`);
  }
}

function holdsManifest(dir: string): boolean {
  try {
    Deno.lstatSync(join(dir, "plugin.json"));
    return true;
  } catch {
    return false;
  }
}

/**
 * One plugin folder, or its `plugin.json`.
 *
 * @param arg As typed.
 * @param verb The command, for messages.
 * @throws {UsageError} When it does not exist, or is a folder without a `plugin.json`.
 */
export function pluginTarget(arg: string, verb: string): Target {
  const path = resolve(arg);
  if (statOf(arg, verb).isDirectory && !holdsManifest(path)) {
    throw new UsageError(
      `Cannot ${verb} ${arg}: it holds no plugin.json; pass a plugin folder, e.g. plugins/greeter`,
    );
  }
  return { path, shown: arg };
}

/**
 * Plugin folders, each a plugin or a folder of plugins (each folder in it that
 * holds a `plugin.json`, as `host.loadAll()` finds them); each plugin once.
 *
 * @throws {UsageError} When one does not exist, or is a folder that holds no plugin at all.
 */
export async function pluginTargets(args: readonly string[], verb: string): Promise<Target[]> {
  const targets = new Map<string, Target>();
  for (const arg of args) {
    const path = resolve(arg);
    if (!statOf(arg, verb).isDirectory || holdsManifest(path)) {
      if (!targets.has(path)) targets.set(path, { path, shown: arg });
      continue;
    }
    const { found, problems } = await discoverPlugins(path);
    if (found.length === 0 && problems.length === 0) {
      throw new UsageError(
        `Cannot ${verb} ${arg}: neither it nor any folder in it holds a plugin.json; ` +
          "pass a plugin folder or a folder of plugins",
      );
    }
    const inFolder: Target[] = [
      ...found.map(({ dir }) => ({ path: dir, shown: shownPath(dir) })),
      // A bad manifest is found again, issue by issue, by the command's own checks.
      ...problems.map(({ dir, error }) => ({
        path: dir,
        shown: shownPath(dir),
        problem: error instanceof ManifestError ? undefined : error,
      })),
    ];
    // By folder name, as discovery lists each kind.
    inFolder.sort((a, b) => a.shown < b.shown ? -1 : a.shown > b.shown ? 1 : 0);
    for (const target of inFolder) targets.set(target.path, target);
  }
  // In the order given; discovery lists a folder's plugins by name.
  return [...targets.values()];
}
