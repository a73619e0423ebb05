/**
 * The digests the integrity lock records of a plugin: one per file of its
 * module graph and its manifest, by path relative to the plugin folder, and
 * one over them all and the plugin's packages.
 *
 * Hashing is synchronous (node:crypto), like the import check's: an
 * asynchronous digest costs a thread-pool round trip per file, and files of
 * a checked graph are few and small. The host's event loop still runs every
 * {@linkcode SLICE_MS}, between files.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { relative, sep } from "node:path";
import { PluginLoadError } from "../errors/errors.ts";
import { formatBytes } from "./bounded_read.ts";

/**
 * The most bytes hashed for one plugin's lock entry. The import check bounds
 * modules, but data modules (JSON, text, Wasm) it never reads past their
 * size; the lock needs their bytes, and a sparse file of gigabytes must not
 * stall the host.
 */
export const MAX_LOCKED_BYTES = 256 * 1024 * 1024;

/** How long hashing holds the host's thread before it lets the event loop run: one frame. */
const SLICE_MS = 16;
const CHUNK = 1024 * 1024;

/** Hashing reached {@linkcode MAX_LOCKED_BYTES} in the file at `path`. */
class OverBudget extends Error {
  constructor(readonly path: string) {
    super(`over budget at ${path}`);
  }
}

/** `sha256-<base64>`, the form of npm's integrity strings (which are `sha512-…`). */
function sri(hash: ReturnType<typeof createHash>): string {
  return `sha256-${hash.digest("base64")}`;
}

/** A path relative to `dir` with `/` separators, the same on every system. */
export function lockPath(dir: string, path: string): string {
  const shown = relative(dir, path);
  return (sep === "/" ? shown : shown.split(sep).join("/")) || ".";
}

/**
 * Hashes one regular file in chunks, counting its bytes against `budget`.
 *
 * @returns The digest, or undefined when the path is missing or not a regular file.
 */
function hashFile(path: string, budget: { left: number }): string | undefined {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  // Never opened: a FIFO or device would block the host's thread.
  if (!info.isFile) return undefined;
  using file = Deno.openSync(path);
  const hash = createHash("sha256");
  // Sized to the file: a read costs by the buffer's size, and most modules are a few kilobytes
  // (a 64 KiB buffer made hashing 200 small modules six times slower).
  const buffer = new Uint8Array(Math.min(Math.max(info.size + 1, 4096), CHUNK));
  for (;;) {
    const read = file.readSync(buffer);
    if (read === null) break;
    budget.left -= read;
    if (budget.left < 0) throw new OverBudget(path);
    hash.update(buffer.subarray(0, read));
  }
  return sri(hash);
}

/**
 * The digest of each file, by its path relative to `dir` (`/` separators).
 * A file that is missing or not a regular file is left out: a module the
 * plugin imports but does not have fails when it loads, and appears in the
 * lock once it exists. Lets the event loop run between files every
 * {@linkcode SLICE_MS}.
 *
 * @param plugin The plugin's name, for errors.
 * @param dir The plugin's folder, absolute.
 * @param files Absolute paths: the manifest and the modules the import check read.
 * @throws {PluginLoadError} When the files add up to more than {@linkcode MAX_LOCKED_BYTES}.
 * @throws {DOMException} The signal's reason when it aborts.
 */
export async function digestFiles(
  plugin: string,
  dir: string,
  files: readonly string[],
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  const budget = { left: MAX_LOCKED_BYTES };
  let start = performance.now();
  for (const path of new Set(files)) {
    let digest: string | undefined;
    try {
      digest = hashFile(path, budget);
    } catch (error) {
      if (!(error instanceof OverBudget)) throw error;
      throw new PluginLoadError(
        plugin,
        `its manifest and modules add up to more than the ${
          formatBytes(MAX_LOCKED_BYTES)
        } the integrity lock hashes (at ${lockPath(dir, path)}); ` +
          "keep large data out of imported modules (read it from a file of the plugin)",
      );
    }
    if (digest !== undefined) digests[lockPath(dir, path)] = digest;
    if (performance.now() - start < SLICE_MS) continue;
    await new Promise((resolve) => setTimeout(resolve, 0));
    signal?.throwIfAborted();
    start = performance.now();
  }
  return digests;
}

/**
 * The digest over a whole graph: its files' digests and its packages, each
 * sorted by name, so that it depends on what the plugin is and not on the
 * order anything was read in.
 *
 * @param files Each file's digest by relative path.
 * @param packages Each package's integrity (or null) by exact specifier.
 */
export function graphDigest(
  files: Readonly<Record<string, string>>,
  packages: Readonly<Record<string, string | null>>,
): string {
  const sorted = (record: Readonly<Record<string, unknown>>) =>
    Object.keys(record).sort().map((key) => [key, record[key]]);
  // JSON quotes every string, so no two different graphs give the same text.
  const text = JSON.stringify({ files: sorted(files), packages: sorted(packages) });
  return sri(createHash("sha256").update(text));
}
