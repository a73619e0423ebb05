import { basename, dirname, isAbsolute, join, parse, relative, resolve } from "node:path";
import { PluginLoadError } from "../errors/errors.ts";
import { isWithin } from "../permissions/permissions.ts";
import { neutraliseText } from "../wire/log_text.ts";

/** What the folder walk knows while it checks links: the plugin, its folder, what it may write. */
export interface LinkContext {
  plugin: string;
  /** The plugin folder, a real path (no link in it). */
  dir: string;
  /** The write grant's folders, each as written and as the OS resolves it today. */
  writable: readonly string[];
  /** Paths already seen to be real folders, so that many links climbing the same way cost one lstat. */
  realFolders: Set<string>;
}

/** The folders a write grant covers, as written and resolved, so that no link inside one is missed. */
export function writableFolders(write: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const path of write) {
    folders.add(path);
    folders.add(resolvedLocation(path));
  }
  return [...folders];
}

/**
 * Refuses a symlink that leaves the plugin folder now or could later. Deno
 * checks the path as written and the OS follows links afterwards, so every
 * way the target may resolve when the plugin runs must stay inside: as
 * written, through links it climbs out of, and as it resolves today.
 *
 * @throws {PluginLoadError} Naming the link, its target and the fix.
 */
export function checkSymlink(context: LinkContext, path: string): void {
  const { plugin, dir } = context;
  const name = neutraliseText(relative(dir, path), Infinity);
  const area = context.writable.find((folder) => isWithin(path, folder));
  if (area !== undefined) {
    throw new PluginLoadError(
      plugin,
      `its folder holds a symlink ${name} where its write grant reaches (${
        within(dir, area)
      }): the plugin could move it, or what it passes through, and change where it leads; ` +
        "put the file or folder itself there instead of a link",
    );
  }
  const target = Deno.readLinkSync(path);
  const shown = `${name} → ${neutraliseText(target, Infinity)}`;
  if (!isWithin(resolve(dirname(path), target), dir)) {
    throw escapes(plugin, shown);
  }
  const climbed = climbsOutOfNonFolder(context, dirname(path), target);
  if (climbed !== undefined) {
    throw new PluginLoadError(
      plugin,
      `its folder holds a symlink ${shown}, whose ".." climbs out of ${within(dir, climbed)}, ` +
        'which is not a plain folder: ".." then leaves from wherever that leads ' +
        'when the plugin runs; write the target without ".." after a link',
    );
  }
  let real: string;
  try {
    real = Deno.realPathSync(path);
  } catch {
    throw new PluginLoadError(
      plugin,
      `its folder holds a symlink ${shown}, which reaches nothing now but may reach ` +
        "outside the folder later; remove it, or point it at a file in the plugin folder",
    );
  }
  if (!isWithin(real, dir)) throw escapes(plugin, `${name} → ${neutraliseText(real, Infinity)}`);
}

/** Counts, per file, how many of its hard links the walk met, to find the links it did not. */
export class HardLinks {
  #files = new Map<string, { path: string; nlink: number; seen: number }>();

  /** Records a regular file found by the walk. */
  add(path: string): void {
    const info = Deno.lstatSync(path);
    // Windows reports no link count; a count of 1 needs no bookkeeping.
    if (info.nlink === null || info.nlink <= 1) return;
    const key = `${info.dev}:${info.ino}`;
    const file = this.#files.get(key);
    if (file === undefined) this.#files.set(key, { path, nlink: info.nlink, seen: 1 });
    else file.seen++;
  }

  /**
   * Refuses a file with more links than the walk met: the others lie outside
   * the plugin folder, and reading or writing it reaches that file.
   *
   * @throws {PluginLoadError} Naming the file and its link counts.
   */
  check(plugin: string, dir: string): void {
    for (const { path, nlink, seen } of this.#files.values()) {
      if (seen >= nlink) continue;
      throw new PluginLoadError(
        plugin,
        `its folder holds ${
          neutraliseText(relative(dir, path), Infinity)
        }, a hard link to a file outside the ` +
          `plugin folder (${nlink} links, ${seen} inside); hard links would widen its grant, ` +
          "so copy the file into the folder instead (cp without -l)",
      );
    }
  }
}

function escapes(plugin: string, shown: string): PluginLoadError {
  return new PluginLoadError(
    plugin,
    `its folder holds a symlink ${shown}, outside the plugin folder; ` +
      "symlinks would widen its grant, so copy what it needs into the folder instead",
  );
}

/**
 * Follows `target` from `folder` as the OS would, and returns the first path
 * that a ".." climbs out of while it is not a real folder (a link, a file,
 * nothing): the OS climbs from where such a link leads at that moment, which
 * can differ from its name (/proc/self/fd/K is whatever the process opened as K).
 */
function climbsOutOfNonFolder(
  context: LinkContext,
  folder: string,
  target: string,
): string | undefined {
  let at = isAbsolute(target) ? parse(target).root : folder;
  for (const part of target.split(/[\\/]+/)) {
    if (part === "" || part === ".") continue;
    if (part !== "..") {
      at = join(at, part);
      continue;
    }
    if (!isRealFolder(context, at)) return at;
    at = dirname(at);
  }
  return undefined;
}

function isRealFolder(context: LinkContext, path: string): boolean {
  if (context.realFolders.has(path)) return true;
  let real = false;
  try {
    real = mayRead(path) && Deno.lstatSync(path).isDirectory;
  } catch {
    // Missing or unreadable: it could become a link before the plugin runs.
  }
  if (real) context.realFolders.add(path);
  return real;
}

/** `path` with the links in its existing part resolved, and the rest (not yet created) as written. */
function resolvedLocation(path: string): string {
  try {
    // Asked without permission, Deno would prompt on the host's terminal; the parent may do.
    if (!mayRead(path)) throw new Deno.errors.NotCapable();
    return Deno.realPathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(resolvedLocation(parent), basename(path));
  }
}

/** Whether the host may read `path`, asked without a prompt. */
function mayRead(path: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "read", path }).state === "granted";
  } catch {
    return false;
  }
}

/** `path` as shown in an error: relative to the plugin folder when inside it. */
function within(dir: string, path: string): string {
  return neutraliseText(isWithin(path, dir) ? relative(dir, path) || "." : path, Infinity);
}

/** A file name or link target as safe text: it comes from the plugin, so no control characters. */
