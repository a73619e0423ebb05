/**
 * The lock file itself: its format, read and checked, written stably and
 * atomically. It is plain JSON meant to be committed and reviewed: keys sorted
 * at every level, two-space indents and a final newline, so that writing the
 * same entries gives the same bytes and a change shows as a small diff.
 *
 * ```json
 * {
 *   "plugins": {
 *     "markdown": {
 *       "digest": "sha256-…",
 *       "dir": "plugins/markdown",
 *       "files": { "mod.ts": "sha256-…", "plugin.json": "sha256-…" },
 *       "grant": { "imports": ["npm:marked@18.2.1"], "read": ["."] },
 *       "name": "markdown",
 *       "packages": { "npm:marked@18.2.1": "sha512-…" },
 *       "version": "1.0.0"
 *     }
 *   },
 *   "version": 1
 * }
 * ```
 *
 * @module
 */
import { LockFileError } from "../errors/integrity_error.ts";
import { FileTooLargeError, readBounded } from "./bounded_read.ts";
import { graphDigest } from "./graph_digest.ts";

/** The format version this code reads and writes. */
export const LOCK_VERSION = 1;

/** The most bytes of a lock file read: thousands of plugins' entries fit. */
const MAX_LOCK_BYTES = 64 * 1024 * 1024;

/** What the lock holds for one plugin. */
export interface LockEntry {
  /** The plugin's name, also the entry's key. */
  readonly name: string;
  /** Its manifest's version. */
  readonly version: string;
  /** Its folder, relative to the lock file's folder with `/` separators (informative only). */
  readonly dir: string;
  /**
   * Its effective grant, kinds with no item left out, items sorted; paths
   * inside the plugin folder relative to it (`.`, `./data`).
   */
  readonly grant: Readonly<Record<string, readonly string[]>>;
  /** The digest over `files` and `packages` (see `graphDigest`). */
  readonly digest: string;
  /** Each file's `sha256-…` digest by path relative to the plugin folder: the manifest and every module. */
  readonly files: Readonly<Record<string, string>>;
  /** Each package's integrity, or null when the tier cannot tell it, by exact specifier. */
  readonly packages: Readonly<Record<string, string | null>>;
}

/** A whole lock file. */
export interface LockFile {
  readonly version: typeof LOCK_VERSION;
  /** Entries by plugin name. */
  readonly plugins: Readonly<Record<string, LockEntry>>;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks one field of an entry, naming where it is when it is wrong. */
function field<T>(
  shown: string,
  where: string,
  value: unknown,
  test: (value: unknown) => value is T,
  want: string,
): T {
  if (test(value)) return value;
  throw new LockFileError(
    shown,
    `${where} must be ${want}; current value is ${JSON.stringify(value)}`,
  );
}

const isString = (value: unknown): value is string => typeof value === "string";

function recordOf<T>(test: (value: unknown) => value is T) {
  return (value: unknown): value is Record<string, T> =>
    isRecord(value) && Object.values(value).every(test);
}

const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every(isString);
const isIntegrity = (value: unknown): value is string | null => value === null || isString(value);

function parseEntry(shown: string, name: string, value: unknown): LockEntry {
  const at = `plugins[${JSON.stringify(name)}]`;
  const entry = field(shown, at, value, isRecord, "an object");
  const text = (key: string) => field(shown, `${at}.${key}`, entry[key], isString, "a string");
  const parsed: LockEntry = {
    name: text("name"),
    version: text("version"),
    dir: text("dir"),
    digest: text("digest"),
    grant: field(shown, `${at}.grant`, entry.grant, recordOf(isStrings), "kinds → string lists"),
    files: field(shown, `${at}.files`, entry.files, recordOf(isString), "paths → digests"),
    packages: field(
      shown,
      `${at}.packages`,
      entry.packages,
      recordOf(isIntegrity),
      "specifiers → integrity (or null)",
    ),
  };
  if (parsed.name !== name) {
    throw new LockFileError(shown, `${at}.name is ${JSON.stringify(parsed.name)}, not its key`);
  }
  if (graphDigest(parsed.files, parsed.packages) !== parsed.digest) {
    throw new LockFileError(
      shown,
      `${at}.digest does not match its files and packages (was the entry edited by hand?)`,
    );
  }
  return parsed;
}

/**
 * Reads lock file text, checking every entry.
 *
 * @param text The file's content.
 * @param shown The file, as messages show it.
 * @throws {LockFileError} When it is not JSON, not format {@linkcode LOCK_VERSION}, or an entry
 * is malformed or inconsistent.
 */
export function parseLock(text: string, shown: string): LockFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new LockFileError(shown, `it is not JSON (${(cause as Error).message})`, { cause });
  }
  const top = field(shown, "the file", value, isRecord, "a JSON object");
  if (top.version !== LOCK_VERSION) {
    throw new LockFileError(
      shown,
      `its version is ${JSON.stringify(top.version)}; this sandplug reads version ${LOCK_VERSION}`,
    );
  }
  const plugins = field(shown, "plugins", top.plugins, isRecord, "an object");
  const entries: Record<string, LockEntry> = {};
  for (const [name, entry] of Object.entries(plugins)) {
    entries[name] = parseEntry(shown, name, entry);
  }
  return { version: LOCK_VERSION, plugins: entries };
}

/**
 * Reads and checks the lock file at `path`.
 *
 * @returns The lock, or undefined when the file does not exist.
 * @throws {LockFileError} When it is malformed, too large, or not a regular file.
 * @throws {Deno.errors.PermissionDenied | Deno.errors.NotCapable} When the host may not read it.
 */
export function readLock(path: string, shown: string): LockFile | undefined {
  let stamp: string;
  let bytes: Uint8Array | undefined;
  try {
    stamp = stampOf(Deno.statSync(path));
    const known = parsed.get(path);
    if (known?.stamp === stamp) return known.lock;
    bytes = readBounded(path, MAX_LOCK_BYTES);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    if (!(error instanceof FileTooLargeError)) throw error;
    throw new LockFileError(shown, `it holds more than ${MAX_LOCK_BYTES} bytes`, { cause: error });
  }
  if (bytes === undefined) throw new LockFileError(shown, "it is not a regular file");
  const lock = parseLock(new TextDecoder().decode(bytes), shown);
  // Stamped before the read: a file replaced since then has another stamp, and is read again.
  parsed.set(path, { stamp, lock });
  return lock;
}

/**
 * The last lock read from each file and the file's stamp then, so that many
 * loads against one lock parse it once: a lock of many plugins is large, and
 * checking it hashes every entry. Writes replace the file (a new inode).
 */
const parsed = new Map<string, { stamp: string; lock: LockFile }>();

function stampOf(info: Deno.FileInfo): string {
  return `${info.ino}:${info.size}:${info.mtime?.getTime()}:${info.ctime?.getTime()}`;
}

/** `value` with the keys of every object in it sorted; arrays keep their order. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (!isRecord(value)) return value;
  const sorted: Json = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortedKeys(value[key]);
  return sorted;
}

/**
 * The lock as file text: keys sorted at every level, two-space indents, a
 * final newline. The same lock always gives the same bytes.
 */
export function serializeLock(lock: LockFile): string {
  return `${JSON.stringify(sortedKeys(lock), null, 2)}\n`;
}

/**
 * Writes the lock atomically: to a temporary file in the same folder, then
 * renamed over the lock, so that a reader (another host, a crash midway)
 * sees the old file or the new one, never part of one.
 *
 * @throws {Deno.errors.PermissionDenied | Deno.errors.NotCapable} When the host may not write there.
 */
export async function writeLock(path: string, lock: LockFile): Promise<void> {
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeTextFile(temp, serializeLock(lock));
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** The last task queued on each lock file, so that this process writes each file one task at a time. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `task` once every task queued before it on the same lock file in this
 * process has settled: loads that update one lock at once then each read the
 * file the previous one wrote, and no entry is lost. Other processes are not
 * held off; give each process that updates a lock a file of its own.
 *
 * @param path The lock file, absolute.
 */
export function serialized<T>(path: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  const run = previous.then(task, task);
  const tail = run.catch(() => {});
  queues.set(path, tail);
  void tail.then(() => {
    if (queues.get(path) === tail) queues.delete(path);
  });
  return run;
}
