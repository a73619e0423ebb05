/**
 * The integrity lock: every load of a plugin from disk is checked against
 * the entry a lock file holds for it (its manifest, each module of its
 * graph, each package at its exact version and integrity, its grant), or
 * writes that entry when the lock is being updated. The host calls
 * {@linkcode verifyLock} once the plugin's graph is checked and its packages
 * resolved, before any of its code runs.
 *
 * Packages: a tier that installs a plugin's packages itself (the process
 * tier) knows each one's registry integrity, for the declared packages and
 * what they depend on; a tier that imports them through the host's own
 * resolver (worker, inline) knows only the specifiers the manifest declares,
 * and the lock records them with a null integrity: pin those with the host's
 * own frozen `deno.lock`.
 *
 * @module
 */
import { dirname, join, relative, resolve, sep } from "node:path";
import { type IntegrityChange, IntegrityError } from "../errors/integrity_error.ts";
import { PluginLoadError } from "../errors/errors.ts";
import type { PermissionGrant } from "../permissions/permissions.ts";
import { digestFiles, graphDigest, lockPath } from "./graph_digest.ts";
import { compareEntries } from "./lock_compare.ts";
import {
  LOCK_VERSION,
  type LockEntry,
  type LockFile,
  readLock,
  serialized,
  serializeLock,
  writeLock,
} from "./lock_file.ts";

/** The lock a host checks loads against, resolved from `createHost({ lock })`. */
export interface LockOptions {
  /** The lock file, absolute. */
  readonly path: string;
  /** Whether loads write their entries rather than being checked against them. */
  readonly update: boolean;
}

/** `createHost({ lock })` as given: the file's path, or the path and whether to update it. */
export type LockOption = string | { readonly path: string; readonly update?: boolean };

/**
 * The host's lock option, checked, with its path made absolute against the
 * working directory.
 *
 * @throws {TypeError} When it is not a non-empty path or `{ path, update? }`.
 */
export function lockOptions(option: LockOption): LockOptions {
  const form = typeof option === "string" ? { path: option } : option;
  if (typeof form !== "object" || form === null || typeof form.path !== "string" || !form.path) {
    throw new TypeError(
      `Cannot create host: lock must be a file path or { path, update }; current value is ${
        JSON.stringify(option)
      }`,
    );
  }
  if (form.update !== undefined && typeof form.update !== "boolean") {
    throw new TypeError(
      `Cannot create host: lock.update must be a boolean; current value is ${
        JSON.stringify(form.update)
      }`,
    );
  }
  return Object.freeze({ path: resolve(form.path), update: form.update ?? false });
}

/** What the lock checks of one plugin on disk. */
export interface LockSubject {
  readonly name: string;
  readonly version: string;
  /** The plugin's folder, absolute. */
  readonly dir: string;
  /** Its manifest file, absolute. @default {`<dir>/plugin.json`} */
  readonly manifestFile?: string;
  /** Its effective grant, with packages at the versions its tier resolved them to. */
  readonly grant: PermissionGrant;
  /** The modules the import check read (`CheckedGraph.files`), absolute. */
  readonly files: readonly string[];
  /** Its packages: see {@linkcode lockedPackages}. */
  readonly packages: Readonly<Record<string, string | null>>;
}

/** What {@linkcode verifyLock} did. */
export interface LockResult {
  /** Whether it wrote the lock file (only when updating, and the entry was new or different). */
  readonly written: boolean;
  /** When updating: how the plugin differs from the entry it replaced (none for a new one). */
  readonly changes: readonly IntegrityChange[];
}

/**
 * A plugin's packages for the lock: each package its tier installed with
 * that package's integrity, and each the grant declares that the tier did
 * not (all of them, for a tier that does not install packages) with null.
 *
 * @param grant The grant after the tier resolved its packages (exact versions, where it does).
 * @param integrity From the tier (`IsolationTier.packageIntegrity`), when it installs packages.
 */
export function lockedPackages(
  grant: PermissionGrant,
  integrity?: Readonly<Record<string, string>>,
): Record<string, string | null> {
  const packages: Record<string, string | null> = { ...integrity };
  const installed = Object.keys(packages);
  for (const specifier of grant.imports) {
    // A copy decided by peers is recorded as `npm:x@1.0.0_react@18.2.0`; the grant says `npm:x@1.0.0`.
    if (!installed.some((key) => key === specifier || key.startsWith(`${specifier}_`))) {
      packages[specifier] = null;
    }
  }
  return packages;
}

/** The grant as the lock records it: empty kinds left out, items sorted, paths in the plugin folder relative. */
function lockedGrant(grant: PermissionGrant, dir: string): Record<string, string[]> {
  const shown = (item: string) =>
    item === dir ? "." : item.startsWith(dir + sep) ? `./${lockPath(dir, item)}` : item;
  const locked: Record<string, string[]> = {};
  for (const [kind, items] of Object.entries(grant)) {
    if (items.length > 0) locked[kind] = [...new Set(items.map(shown))].sort();
  }
  return locked;
}

/**
 * The entry the plugin would have now: hashes its manifest and modules.
 *
 * @param lockFile The lock file, absolute (its folder is what `dir` is relative to).
 * @throws {PluginLoadError} When its files are too large to hash.
 * @throws {DOMException} The signal's reason when it aborts.
 */
export async function lockEntryOf(
  lockFile: string,
  subject: LockSubject,
  signal?: AbortSignal,
): Promise<LockEntry> {
  const { name, version, dir } = subject;
  const manifest = subject.manifestFile ?? join(dir, "plugin.json");
  const files = await digestFiles(name, dir, [manifest, ...subject.files], signal);
  const packages = { ...subject.packages };
  return {
    name,
    version,
    dir: lockPath(dirname(lockFile), dir),
    grant: lockedGrant(subject.grant, dir),
    digest: graphDigest(files, packages),
    files,
    packages,
  };
}

function shownPath(path: string): string {
  return relative(Deno.cwd(), path) || path;
}

/** A file system error on the lock file, as a load error that names the flag to fix it. */
function ioError(plugin: string, lock: LockOptions, doing: string, cause: unknown): never {
  if (!(cause instanceof Deno.errors.PermissionDenied || cause instanceof Deno.errors.NotCapable)) {
    throw cause;
  }
  // An update writes a temp file beside the lock and renames it, which reads it too.
  const flag = doing === "read"
    ? `--allow-read=${lock.path}`
    : `--allow-read=${dirname(lock.path)} --allow-write=${dirname(lock.path)}`;
  throw new PluginLoadError(
    plugin,
    `the host may not ${doing} the lock file ${shownPath(lock.path)}; run it with ${flag}`,
    { cause },
  );
}

function readOrFail(plugin: string, lock: LockOptions): LockFile | undefined {
  try {
    return readLock(lock.path, shownPath(lock.path));
  } catch (error) {
    return ioError(plugin, lock, "read", error);
  }
}

/**
 * Checks a plugin against the lock, or, when the lock is being updated,
 * writes its entry (only if it is new or different; writes by loads of one
 * host, or of hosts in one process, go one at a time). Only a plugin loaded
 * from disk has an entry: a compiled-in plugin is the host's own code.
 *
 * @param lock The host's lock.
 * @param subject The plugin, checked and with its packages resolved.
 * @param signal The load's signal.
 * @returns Whether the file was written, and what changed.
 * @throws {IntegrityError} When the plugin differs from its entry (naming every changed, added or
 * removed file, package and permission kind), or the lock holds none and is not being updated.
 * @throws {LockFileError} When the lock file is malformed (also when updating: it is not overwritten).
 * @throws {PluginLoadError} When the host may not read or write the lock file, or the plugin's
 * files are too large to hash.
 * @throws {DOMException} The signal's reason when it aborts.
 */
export async function verifyLock(
  lock: LockOptions,
  subject: LockSubject,
  signal?: AbortSignal,
): Promise<LockResult> {
  const found = await lockEntryOf(lock.path, subject, signal);
  const shown = shownPath(lock.path);
  if (!lock.update) {
    const locked = readOrFail(subject.name, lock)?.plugins[subject.name];
    if (locked === undefined) throw new IntegrityError(subject.name, shown, []);
    const changes = compareEntries(locked, found);
    if (changes.length === 0) return { written: false, changes };
    const note = locked.dir === found.dir
      ? undefined
      : `the lock's entry is of the copy in ${locked.dir}, this one is in ${found.dir}`;
    throw new IntegrityError(subject.name, shown, changes, { note });
  }
  return await serialized(lock.path, async () => {
    const file = readOrFail(subject.name, lock) ?? { version: LOCK_VERSION, plugins: {} };
    const locked = file.plugins[subject.name];
    const changes = locked === undefined ? [] : compareEntries(locked, found);
    if (
      locked !== undefined && serializeLock(entryLock(locked)) === serializeLock(entryLock(found))
    ) {
      return { written: false, changes };
    }
    try {
      await writeLock(lock.path, { ...file, plugins: { ...file.plugins, [subject.name]: found } });
    } catch (error) {
      ioError(subject.name, lock, "write", error);
    }
    return { written: true, changes };
  });
}

/** A lock of one entry, to compare two entries by their bytes in the file. */
function entryLock(entry: LockEntry): LockFile {
  return { version: LOCK_VERSION, plugins: { [entry.name]: entry } };
}
