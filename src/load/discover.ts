/**
 * Finding the plugins in a folder without loading them.
 *
 * @module
 */
import { basename, join, relative, resolve } from "node:path";
import { PluginError, PluginLoadError } from "../errors/errors.ts";
import type { Manifest } from "../manifest/manifest.ts";
import { fromFileUrl } from "./file_url.ts";
import { findPlugin } from "./locate.ts";

/** A plugin folder {@linkcode discoverPlugins} found, with its parsed manifest. */
export interface FoundPlugin {
  /** The plugin's folder: its real path, as `host.load()` would see it. */
  readonly dir: string;
  /** Its parsed and checked `plugin.json`. */
  readonly manifest: Manifest;
}

/** A folder that holds a `plugin.json` but cannot be loaded as it is, and why. */
export interface DiscoveryProblem {
  /** The folder as listed in the searched folder, absolute. */
  readonly dir: string;
  /** Why: a `ManifestError` for a bad manifest, a `PluginLoadError` otherwise. */
  readonly error: PluginError;
}

/** What {@linkcode discoverPlugins} found: the loadable plugins and the broken ones. */
export interface Discovery {
  /** The plugins, sorted by folder name. */
  readonly found: FoundPlugin[];
  /** The folders that hold a `plugin.json` but would fail to load, sorted by folder name. */
  readonly problems: DiscoveryProblem[];
}

/**
 * Finds the plugins in a folder and parses their manifests, through the
 * same `findPlugin()` as `host.load()`, so that what it finds loads and what
 * it reports fails to load for the same reason. No plugin code runs and no
 * grant is checked: that is the load's work.
 *
 * A folder is either a plugin or a folder of plugins. When `dir` itself
 * holds a `plugin.json`, it is the one plugin found, and its subfolders are
 * its own files. Otherwise each direct subfolder that holds a `plugin.json`
 * is a plugin; other subfolders and files are skipped, and so are hidden
 * folders and `node_modules`, which hold tools' state and packages, never
 * plugins. A link to a folder counts as that folder and is found at its real
 * path, as `host.load()` reads it. Two folders with one plugin name (a
 * `latest` link beside the folder it points at, or two versions side by
 * side) would make the second load fail; the second, by folder name, is a
 * problem instead.
 *
 * One bad plugin never fails the rest: a malformed or invalid manifest, a
 * missing entry, an unreadable folder or a dangling link is an entry of
 * `problems`, with the error loading it would throw.
 *
 * @param dir The folder to search, or a file URL of it.
 * @returns The plugins found and the problems, each sorted by folder name.
 * @throws {TypeError} When `dir` is not a non-empty string or URL.
 * @throws {Deno.errors.NotCapable} When the host may not read `dir`; names the flag.
 * @throws {Deno.errors.NotFound} When `dir` does not exist.
 * @throws {Deno.errors.NotADirectory} When `dir` is not a folder.
 *
 * @example Find the plugins in a folder
 * ```ts
 * import { discoverPlugins } from "./discover.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/greeter`);
 * await Deno.writeTextFile(
 *   `${dir}/greeter/plugin.json`,
 *   JSON.stringify({ name: "greeter", version: "1.0.0", entry: "mod.ts" }),
 * );
 * await Deno.writeTextFile(`${dir}/greeter/mod.ts`, "export const hi = () => 'hi';\n");
 * await Deno.mkdir(`${dir}/broken`);
 * await Deno.writeTextFile(`${dir}/broken/plugin.json`, "{ not json");
 * await Deno.mkdir(`${dir}/notes`);
 *
 * const { found, problems } = await discoverPlugins(dir);
 * assert.deepEqual(found.map((plugin) => plugin.manifest.name), ["greeter"]);
 * assert.equal(problems.length, 1);
 * assert.equal(problems[0].error.name, "ManifestError");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function discoverPlugins(dir: string | URL): Promise<Discovery> {
  // Synchronous inside, like findPlugin(): each call is microseconds on a
  // local folder, and nothing is shared between two discoveries.
  try {
    return Promise.resolve(discover(pluginsFolder(dir, "discover")));
  } catch (error) {
    return Promise.reject(error);
  }
}

function discover(root: string): Discovery {
  if (holdsManifest(root)) return collect([{ name: basename(root), path: root }]);
  const names = listing(root)
    .filter((entry) => (entry.isDirectory || entry.isSymlink) && !skipped(entry.name))
    .map((entry) => entry.name)
    // By code unit, not locale: the same order on every machine.
    .sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  return collect(names.map((name) => ({ name, path: join(root, name) })));
}

function listing(root: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(root)];
  } catch (cause) {
    if (!(cause instanceof Deno.errors.PermissionDenied)) throw cause;
    throw new Deno.errors.PermissionDenied(
      `Cannot discover plugins in ${root}: the system refuses to list it (${cause.message}); ` +
        "give the host's user read and execute rights on it",
      { cause },
    );
  }
}

function skipped(name: string): boolean {
  return name.startsWith(".") || name === "node_modules";
}

function collect(folders: readonly { name: string; path: string }[]): Discovery {
  const found: FoundPlugin[] = [];
  const problems: DiscoveryProblem[] = [];
  const byName = new Map<string, string>();
  const byDir = new Map<string, string>();
  for (const { name, path } of folders) {
    let plugin: FoundPlugin | undefined;
    try {
      plugin = candidate(name, path);
    } catch (error) {
      problems.push({ dir: path, error: asPluginError(path, error) });
      continue;
    }
    if (plugin === undefined) continue;
    const { dir, manifest } = plugin;
    const sameDir = byDir.get(dir);
    const sameName = byName.get(manifest.name);
    byDir.set(dir, sameDir ?? path);
    if (sameDir === undefined && sameName === undefined) {
      byName.set(manifest.name, dir);
      found.push(plugin);
      continue;
    }
    const reason = sameDir !== undefined
      ? `${path} leads to ${dir}, as ${sameDir} does; remove the link or move it out of the plugins folder`
      : `${path} holds a plugin named "${manifest.name}" too, and ${sameName} is found first; ` +
        "give each plugin its own name, or move one version out of the plugins folder";
    problems.push({ dir: path, error: new PluginLoadError(manifest.name, reason) });
  }
  return { found, problems };
}

/** The plugin in `path`, or undefined when it holds no `plugin.json` (not a plugin). */
function candidate(name: string, path: string): FoundPlugin | undefined {
  let real: string;
  try {
    real = Deno.realPathSync(path);
  } catch (cause) {
    if (!(cause instanceof Deno.errors.NotFound)) throw cause;
    throw new PluginLoadError(
      name,
      `${path} is a link to a folder that does not exist; point it at the plugin's folder or remove it`,
      { cause },
    );
  }
  // A link may lead where the host may not read: asking Deno would prompt.
  if (!mayRead(real)) {
    throw new PluginLoadError(
      name,
      `the host may not read ${real}, where ${path} leads; ` +
        `run the host with --allow-read=${real} (or a folder that holds it), or remove the link`,
    );
  }
  if (!Deno.statSync(real).isDirectory || !holdsManifest(real)) return undefined;
  const { dir, manifest } = findPlugin(path);
  return { dir, manifest };
}

function holdsManifest(folder: string): boolean {
  try {
    // lstat: a plugin.json that is a link, folder or FIFO still marks a plugin; findPlugin says what is wrong.
    Deno.lstatSync(join(folder, "plugin.json"));
    return true;
  } catch (cause) {
    if (cause instanceof Deno.errors.NotFound || cause instanceof Deno.errors.NotADirectory) {
      return false;
    }
    throw cause;
  }
}

function asPluginError(path: string, error: unknown): PluginError {
  if (error instanceof PluginError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PluginLoadError(
    relative(Deno.cwd(), path) || path,
    `its folder cannot be read: ${message}; make it readable by the host, or move it out of the plugins folder`,
    { cause: error },
  );
}

/** Whether the host may read `path`, asked without a prompt. */
export function mayRead(path: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "read", path }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Checks that `dir` is a folder the host may read and returns its absolute
 * path. Shared with `watchPlugins()`, whose argument has the same meaning.
 *
 * @param dir The folder of plugins, as given.
 * @param verb What the caller does with it, for messages ("discover", "watch").
 * @returns The folder's absolute path, as given (links not resolved).
 */
export function pluginsFolder(dir: string | URL, verb: string): string {
  if (typeof dir !== "string" && !(dir instanceof URL)) {
    throw new TypeError(
      `Cannot ${verb} plugins: dir must be a string or URL; current value is ${String(dir)}`,
    );
  }
  if (dir === "") {
    throw new TypeError(`Cannot ${verb} plugins: dir is empty; pass the folder that holds them`);
  }
  const absolute = dir instanceof URL ? fromFileUrl(dir.href) : resolve(dir);
  if (!mayRead(absolute)) {
    throw new Deno.errors.NotCapable(
      `Cannot ${verb} plugins in ${absolute}: the host may not read it; ` +
        `run the host with --allow-read=${absolute} (or a folder that holds it)`,
    );
  }
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(absolute);
  } catch (cause) {
    if (!(cause instanceof Deno.errors.NotFound)) throw cause;
    throw new Deno.errors.NotFound(
      `Cannot ${verb} plugins in ${absolute}: it does not exist; pass the folder that holds the plugin folders`,
      { cause },
    );
  }
  if (!info.isDirectory) {
    throw new Deno.errors.NotADirectory(
      `Cannot ${verb} plugins in ${absolute}: it is not a folder; ` +
        "pass the folder that holds the plugin folders (or one plugin's folder)",
    );
  }
  return absolute;
}
