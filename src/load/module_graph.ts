import { extname, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { type DeniedImport, ImportDeniedError, PluginLoadError } from "../errors/errors.ts";
import { scanImports } from "./import_scanner.ts";
import { FileTooLargeError, formatBytes } from "./bounded_read.ts";
import { MAX_NESTING, NestingTooDeepError } from "./nesting_guard.ts";
import {
  type CheckedGraph,
  DataBudget,
  MAX_GRAPH_BYTES,
  MAX_MODULE_BYTES,
  passedBefore,
  ReadLog,
  readModule,
  rememberPass,
} from "./check_cache.ts";
import type { PermissionGrant } from "../permissions/permissions.ts";
import { type Found, judge, shown } from "./import_rules.ts";

export type { CheckedGraph } from "./check_cache.ts";

const SCANNED = new Set([".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"]);

/**
 * The most modules the check reads for one plugin, as many as the folder
 * check lets a folder hold: each is a synchronous stat, open and read in the
 * host's thread, and one module can name thousands of paths.
 */
const MAX_MODULES = 10_000;
/**
 * The most refused imports one error lists: the verdict is the same with one,
 * and a module of nothing but imports would make a message of hundreds of MB.
 */
const MAX_DENIED = 100;

/**
 * The most distinct package and SDK specifiers one plugin's code may write: a
 * tier resolves each one, and the check remembers them.
 */
const MAX_PACKAGE_SPELLINGS = 1000;

function tooLarge(
  plugin: string,
  file: string,
  error: FileTooLargeError,
  total: number,
): PluginLoadError {
  const size = `${error.grew ? "grew past" : "is"} ${formatBytes(error.size)}`;
  const reason = error.size > MAX_MODULE_BYTES
    ? `its module ${file} ${size}, over the ${
      formatBytes(MAX_MODULE_BYTES)
    } the import check reads of one module; ` +
      "keep data out of code (read it from a file of the plugin) or split the module"
    : `its modules add up to more than the ${
      formatBytes(MAX_GRAPH_BYTES)
    } the import check reads of one plugin: ` +
      `${file} ${size} after ${formatBytes(total)} of others; make the plugin's code smaller`;
  return new PluginLoadError(plugin, reason, { cause: error });
}

const decoder = new TextDecoder();

/**
 * How long the asynchronous check holds the host's thread before it lets the
 * event loop run: one frame. A graph at the size limits takes about a second
 * to read, hash and scan.
 */
const SLICE_MS = 16;

/**
 * Walks the plugin's module graph from its entry, through every local module
 * it imports literally, and refuses imports its grant does not cover. Runs
 * before any plugin code does. A graph that passed before in this process,
 * with the same entry, folder and grant and every module byte for byte the
 * same, passes again without a scan. Each module and the whole graph are read
 * within a size limit and the scan is linear, so the check's time is bounded.
 * This form runs to the end in one go; the host uses
 * {@linkcode checkModuleGraphAsync}, which lets its event loop run between modules.
 *
 * @returns What the check vouches for: the digest of the modules it read, for telling a changed plugin apart.
 * @throws {ImportDeniedError} Listing the refused imports with their file and line (the first 100).
 * @throws {PluginLoadError} When a module or the whole graph is over its size limit, or the
 * graph has too many modules.
 */
export function checkModuleGraph(
  plugin: string,
  entry: string,
  dir: string,
  grant: PermissionGrant,
): CheckedGraph {
  const steps = walk(plugin, entry, dir, grant);
  for (;;) {
    // each step is one module read and scanned
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * {@linkcode checkModuleGraph}, letting the host's event loop run whenever the
 * check has held the thread for {@linkcode SLICE_MS} (after the module it is on):
 * a large graph then delays the host's timers and other plugins by one
 * module's scan at most (tens of milliseconds at the size limit), not by the
 * whole graph's.
 *
 * @returns What the check vouches for: the digest of the modules it read, for telling a changed plugin apart.
 * @throws {ImportDeniedError} Listing the refused imports with their file and line (the first 100).
 * @throws {PluginLoadError} When a module or the whole graph is over its size limit, or the
 * graph has too many modules.
 * @throws {DOMException} The signal's reason when it aborts.
 */
export async function checkModuleGraphAsync(
  plugin: string,
  entry: string,
  dir: string,
  grant: PermissionGrant,
  signal?: AbortSignal,
): Promise<CheckedGraph> {
  const steps = walk(plugin, entry, dir, grant);
  let start = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - start < SLICE_MS) continue;
    await new Promise((resolve) => setTimeout(resolve, 0));
    signal?.throwIfAborted();
    start = performance.now();
  }
}

/** The check, one module per step. */
function* walk(
  plugin: string,
  entry: string,
  dir: string,
  grant: PermissionGrant,
): Generator<void, CheckedGraph, void> {
  // The verdict depends on these, on the bytes of the files read, and on nothing else
  // (the plugin's name only appears in the error, and only passes are remembered).
  const key = JSON.stringify([entry, dir, grant]);
  const before = yield* passedBefore(key);
  if (before !== undefined) return before;
  const log = new ReadLog();
  const denied: DeniedImport[] = [];
  const seen = new Set<string>([entry]);
  const queue = [entry];
  const found: Found = {
    module(path, absolute) {
      if (absolute) log.noteAbsoluteImport();
      if (seen.has(path)) return;
      if (seen.size >= MAX_MODULES) {
        throw new PluginLoadError(
          plugin,
          `its code imports more than ${MAX_MODULES} modules; keep the plugin's own code smaller`,
        );
      }
      seen.add(path);
      queue.push(path);
    },
    package(specifier) {
      if (log.notePackage(specifier) > MAX_PACKAGE_SPELLINGS) {
        throw new PluginLoadError(
          plugin,
          `its code writes more than ${MAX_PACKAGE_SPELLINGS} different package specifiers; ` +
            "import each package by fewer spellings",
        );
      }
    },
  };
  const dataBudget = new DataBudget();
  let total = 0;
  for (let index = 0; index < queue.length && denied.length < MAX_DENIED; index++) {
    const path = queue[index];
    if (!SCANNED.has(extname(path))) {
      // Not scanned, but read into the digest: a tier that reuses modules it imported must see it change.
      log.addData(path, dataBudget.read(path));
      yield;
      continue;
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = readModule(path, Math.min(MAX_MODULE_BYTES, MAX_GRAPH_BYTES - total));
    } catch (error) {
      if (!(error instanceof FileTooLargeError)) throw error;
      throw tooLarge(plugin, relative(dir, path), error, total);
    }
    log.add(path, bytes);
    if (bytes === undefined) continue; // a missing module is reported by the runtime when it loads
    total += bytes.byteLength;
    const importer = pathToFileURL(path);
    const file = relative(dir, path);
    try {
      scanImports(decoder.decode(bytes), (specifier, line) => {
        const reason = judge(specifier, importer, dir, grant, found);
        if (reason !== undefined && denied.length < MAX_DENIED) {
          denied.push({ specifier: shown(specifier), file, line, reason });
        }
      });
    } catch (error) {
      if (!(error instanceof NestingTooDeepError)) throw error;
      throw new PluginLoadError(
        plugin,
        `its module ${file} nests code too deeply at line ${error.line} ` +
          `(over ${MAX_NESTING} by the import check's estimate), so deeply that Deno's parser ` +
          "could overflow its stack and abort the host; flatten the nesting or split long chains",
        { cause: error },
      );
    }
    yield;
  }
  if (denied.length > 0) throw new ImportDeniedError(plugin, denied);
  return rememberPass(key, log);
}
