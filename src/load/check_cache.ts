/**
 * A per-process memory of plugin module graphs that passed the import check,
 * so that loading an unchanged plugin again (a restart, a reload, another
 * host in the same process) hashes its files instead of scanning them: a
 * SHA-256 of a module costs about 1/30 of tokenizing it.
 *
 * An entry is found by everything the check depends on besides file
 * contents (the entry module, the plugin folder and the grant), and holds a
 * SHA-256 over the path and bytes of every file the check read, in the order
 * it read them. The check is a function of exactly those inputs: if each file
 * it read is byte for byte the same, it reads the same files in the same order
 * and reaches the same verdict. Only passes are remembered; a refused plugin is
 * scanned again, so its error is always fresh.
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { FileTooLargeError, readBounded } from "./bounded_read.ts";

/**
 * The most bytes the import check reads of one module. Modules are read whole
 * into the host's memory and scanned in its thread before any plugin code
 * runs, and a sparse file of any size costs the plugin a few kilobytes of
 * disk: without a cap, one file stalls or kills the host. Hand-written
 * modules are far smaller, and bundles of the largest libraries stay under
 * it; data belongs in files the plugin reads, not in code.
 */
export const MAX_MODULE_BYTES = 8 * 1024 * 1024;
/** The most bytes the import check reads over a plugin's whole module graph (and each time it re-reads one). */
export const MAX_GRAPH_BYTES = 64 * 1024 * 1024;

/** How many passed graphs are remembered; the least recently used is forgotten first. */
const MAX_ENTRIES = 256;
/** How many file paths all entries may hold together, so that huge graphs cannot grow the memory unbounded. */
const MAX_PATHS = 20_000;

/** What a passed check read: the paths in order, and a digest over each path and its bytes. */
interface Entry {
  readonly paths: readonly string[];
  readonly digest: string;
}

const passed = new Map<string, Entry>();
let pathCount = 0;
let hits = 0;
let misses = 0;

/**
 * Reads a module for the import check: its bytes, or undefined when it is not
 * a regular file or cannot be read (the runtime reports a missing module when
 * it loads it). The read is synchronous because an asynchronous one costs a
 * thread-pool round trip per file, which dominated the host's side of a load;
 * a FIFO or device is never read, as it could block the host's thread, and
 * neither is a file over `limit` bytes (see `readBounded`).
 *
 * @throws {FileTooLargeError} When the module holds more than `limit` bytes.
 */
export function readModule(path: string, limit: number): Uint8Array | undefined {
  try {
    return readBounded(path, limit);
  } catch (error) {
    if (error instanceof FileTooLargeError) throw error;
    return undefined;
  }
}

/** Builds an entry's digest while the check reads files. */
export class ReadLog {
  readonly #hash: Hash = createHash("sha256");
  readonly #paths: string[] = [];

  /** Records one file as read: its bytes, or undefined when it could not be read. */
  add(path: string, bytes: Uint8Array | undefined): void {
    this.#paths.push(path);
    // Paths hold no NUL, and the byte count comes first, so no two sequences of files hash alike
    // unless they are the same.
    this.#hash.update(`${path}\0`);
    if (bytes === undefined) {
      this.#hash.update("-\0");
    } else {
      this.#hash.update(`${bytes.byteLength}\0`);
      this.#hash.update(bytes);
    }
  }

  /** The paths recorded so far, in order. */
  get paths(): readonly string[] {
    return this.#paths;
  }

  /** The hex SHA-256 over every recorded path and its bytes; ends the log. */
  digest(): string {
    return this.#hash.digest("hex");
  }
}

/**
 * Whether a check with these inputs passed before and every file it read is
 * unchanged. A changed file forgets the entry. A generator that yields after
 * each file it hashes, so that a caller can let other work run between files
 * (the files can add up to {@linkcode MAX_GRAPH_BYTES}); its return value is
 * the answer.
 *
 * @param key Everything the check depends on besides file contents, as one string.
 */
export function* passedBefore(key: string): Generator<void, boolean, void> {
  const entry = passed.get(key);
  if (entry !== undefined) {
    forget(key);
    if ((yield* digestOf(entry.paths)) === entry.digest) {
      remember(key, entry); // now the most recently used
      hits++;
      return true;
    }
  }
  misses++;
  return false;
}

/**
 * The digest of the files a passed check read, as they are now; undefined
 * when they no longer fit the check's size limits, which a fresh check then
 * reports. Yields after each file.
 */
function* digestOf(paths: readonly string[]): Generator<void, string | undefined, void> {
  const log = new ReadLog();
  let left = MAX_GRAPH_BYTES;
  for (const path of paths) {
    let bytes: Uint8Array | undefined;
    try {
      bytes = readModule(path, Math.min(MAX_MODULE_BYTES, left));
    } catch {
      return undefined;
    }
    left -= bytes?.byteLength ?? 0;
    log.add(path, bytes);
    yield;
  }
  return log.digest();
}

/**
 * Remembers that the check with these inputs passed, having read the files in `log`.
 *
 * @param key Everything the check depends on besides file contents, as one string.
 */
export function rememberPass(key: string, log: ReadLog): void {
  const paths = [...log.paths];
  if (paths.length > MAX_PATHS) return;
  forget(key);
  remember(key, { paths, digest: log.digest() });
}

function remember(key: string, entry: Entry): void {
  passed.set(key, entry);
  pathCount += entry.paths.length;
  while (passed.size > MAX_ENTRIES || pathCount > MAX_PATHS) {
    const oldest = passed.keys().next().value;
    if (oldest === undefined) break;
    forget(oldest);
  }
}

function forget(key: string): void {
  const entry = passed.get(key);
  if (entry === undefined) return;
  passed.delete(key);
  pathCount -= entry.paths.length;
}

/** How often the check was answered from memory since the process started (for tests and diagnostics). */
export function checkCacheStats(): { hits: number; misses: number; entries: number } {
  return { hits, misses, entries: passed.size };
}

/** Forgets every remembered pass. */
export function clearCheckCache(): void {
  passed.clear();
  pathCount = 0;
}
