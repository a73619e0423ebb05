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
 * The same digest, over data modules too (read, never scanned), tells the
 * inline tier whether a plugin's code changed since it imported it: Deno
 * keeps an imported module for the life of the process.
 *
 * @module
 */
import type { CheckedGraph } from "./checked_graph.ts";
import { createHash, type Hash } from "node:crypto";
import { FileTooLargeError, readBounded } from "./bounded_read.ts";

export type { CheckedGraph };

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

/** What a passed check read: the paths in order, which of them are data modules, and what it vouches for. */
interface Entry {
  readonly paths: readonly string[];
  readonly data: ReadonlySet<string>;
  readonly graph: CheckedGraph;
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

/**
 * The most bytes of data modules (JSON, text, bytes, Wasm: imported, never
 * scanned) read for the digest over a whole graph. They only tell a changed
 * plugin from an unchanged one, so past this a data module's size and times
 * stand in for its bytes, and the host's work per load stays bounded.
 */
export const MAX_DATA_BYTES = 16 * 1024 * 1024;

const encoder = new TextEncoder();

/**
 * Reads a data module for the digest alone: its bytes when it holds at most
 * `limit`, else its size, times and inode as text, or undefined when it is
 * not a regular file or cannot be read. It refuses nothing: the check never
 * needed its bytes.
 */
export function readDataModule(path: string, limit: number): Uint8Array | undefined {
  try {
    return readBounded(path, limit);
  } catch (error) {
    if (!(error instanceof FileTooLargeError)) return undefined;
  }
  try {
    const { size, mtime, ctime, ino } = Deno.statSync(path);
    return encoder.encode(`\0stat ${size} ${mtime?.getTime()} ${ctime?.getTime()} ${ino}`);
  } catch {
    return undefined;
  }
}

/** Reads the data modules of one graph within {@linkcode MAX_DATA_BYTES}, in the order given. */
export class DataBudget {
  #left = MAX_DATA_BYTES;

  /** {@linkcode readDataModule} with what is left of the budget. */
  read(path: string): Uint8Array | undefined {
    const bytes = readDataModule(path, Math.min(MAX_MODULE_BYTES, this.#left));
    this.#left -= bytes?.byteLength ?? 0;
    return bytes;
  }
}

/** Builds an entry's digest while the check reads files. */
export class ReadLog {
  readonly #hash: Hash = createHash("sha256");
  readonly #paths: string[] = [];
  readonly #data = new Set<string>();
  #absoluteImports = false;
  readonly #packages = new Set<string>();

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

  /** Records a data module as read by {@linkcode DataBudget.read}. */
  addData(path: string, bytes: Uint8Array | undefined): void {
    this.#data.add(path);
    this.add(path, bytes);
  }

  /** Records that a module imports one of the plugin's own modules by an absolute path or `file:` URL. */
  noteAbsoluteImport(): void {
    this.#absoluteImports = true;
  }

  /** Records a package or plugin SDK specifier a module imports; returns how many distinct ones there are. */
  notePackage(specifier: string): number {
    this.#packages.add(specifier);
    return this.#packages.size;
  }

  /** Whether {@linkcode ReadLog.noteAbsoluteImport} was called. */
  get absoluteImports(): boolean {
    return this.#absoluteImports;
  }

  /** The package and SDK specifiers recorded, in the order first seen. */
  get packages(): ReadonlySet<string> {
    return this.#packages;
  }

  /** The paths recorded so far, in order. */
  get paths(): readonly string[] {
    return this.#paths;
  }

  /** Which of them are data modules. */
  get data(): ReadonlySet<string> {
    return this.#data;
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
 * the answer: what that check vouched for, or undefined.
 *
 * @param key Everything the check depends on besides file contents, as one string.
 */
export function* passedBefore(key: string): Generator<void, CheckedGraph | undefined, void> {
  const entry = passed.get(key);
  if (entry !== undefined) {
    forget(key);
    if ((yield* digestOf(entry.paths, entry.data)) === entry.graph.digest) {
      remember(key, entry); // now the most recently used
      hits++;
      return entry.graph;
    }
  }
  misses++;
  return undefined;
}

/**
 * The digest of the files a passed check read, as they are now; undefined
 * when they no longer fit the check's size limits, which a fresh check then
 * reports. Yields after each file.
 */
function* digestOf(
  paths: readonly string[],
  data: ReadonlySet<string>,
): Generator<void, string | undefined, void> {
  const log = new ReadLog();
  const dataBudget = new DataBudget();
  let left = MAX_GRAPH_BYTES;
  for (const path of paths) {
    if (data.has(path)) {
      log.add(path, dataBudget.read(path));
      yield;
      continue;
    }
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
 * @returns What the check vouches for (also when the graph is too large to remember).
 */
export function rememberPass(key: string, log: ReadLog): CheckedGraph {
  const paths = [...log.paths];
  const graph = {
    digest: log.digest(),
    absoluteImports: log.absoluteImports,
    packages: Object.freeze([...log.packages]),
    files: Object.freeze(paths),
  };
  if (paths.length > MAX_PATHS) return graph;
  forget(key);
  remember(key, { paths, data: new Set(log.data), graph });
  return graph;
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
