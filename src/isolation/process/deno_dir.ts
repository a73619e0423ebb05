/**
 * The `DENO_DIR` that every process-tier child of this host process shares,
 * so that the runtime's modules are transpiled, analysed and compiled once
 * (the V8 code cache included) instead of once per child: a child starts
 * about 10 ms sooner than with a fresh folder of its own.
 *
 * Sharing must not let plugins reach each other or poison the cache:
 * - every child that holds a read or write grant is denied the whole folder
 *   (the path as made and as resolved, since Deno checks paths as written),
 *   so a plugin granted the temp folder can neither plant a module nor read
 *   another plugin's transpiled code;
 * - `location_data`, where Deno keeps `localStorage`, `caches` and the
 *   default KV store, is a file, not a folder: Deno cannot create storage
 *   under it, so no plugin can persist anything there or pass it to another
 *   (a `node:worker_threads` worker gets fresh globals, `caches` included).
 *
 * Nor may it let a plugin fill the disk: Deno caches what a process loads
 * whatever its permissions, so a plugin granted nothing could import `data:`
 * modules it builds, or its own files by ever new paths, and grow the folder
 * without end (about 0.9 MB per 64 KiB module). So, before any plugin runs,
 * one child loads the runtime alone, and then its SQLite caches (module
 * analysis, V8 code cache) are made read-only (`_cache_guard.ts`); children
 * do not write transpiled code at all (`processEnv`). That costs the first
 * process-tier load of a host two short `deno` runs, once.
 *
 * The folder lives as long as the host process: it is removed when the
 * process unloads, or by the reaper (`_reaper.ts`) when the host dies with
 * children running.
 *
 * @module
 */
import { dirname } from "node:path";
import { isWithin } from "../../permissions/permissions.ts";
import { processEnv, runtimeOnlyArgs, tempDir } from "./args.ts";

const GUARD = new URL("./cache_guard.ts", import.meta.url);

/** The shared folder, its paths to deny to plugins, and where it came from. */
export interface SharedDenoDir {
  /** The folder that holds everything; removed as a whole. */
  readonly root: string;
  /** The `DENO_DIR` the children get. */
  readonly denoDir: string;
  /** `root` as made and as resolved (they differ where the temp folder is a symlink, e.g. macOS). */
  readonly deny: readonly string[];
}

let shared: SharedDenoDir | undefined;

/**
 * The shared `DENO_DIR`, made on first use.
 *
 * @throws {Deno.errors.PermissionDenied | Error} When the folder cannot be made, or its caches
 * cannot be warmed and made read-only.
 * @throws {RangeError} When its path holds a comma, which a `--deny-read` flag cannot express.
 */
export function sharedDenoDir(): SharedDenoDir {
  if (shared !== undefined) return shared;
  // Made where the host's write permission was checked (checkHostPermissions): Deno reads
  // TMPDIR itself, which may name another folder when the host may not read the variable.
  const root = Deno.makeTempDirSync({ prefix: "sandplug-", dir: tempDir() });
  try {
    const denoDir = `${root}/deno_dir`;
    noComma(root);
    Deno.mkdirSync(denoDir);
    Deno.writeFileSync(`${denoDir}/location_data`, new Uint8Array(), { mode: 0o444 });
    // The real path comes from the guard child, which may read the folder: the host holds
    // only write access to the temp folder, and asking for it would prompt on a terminal.
    const real = dirname(warmAndGuard(root, denoDir));
    noComma(real);
    const deny = real === root ? [root] : [root, real];
    shared = { root, denoDir, deny };
  } catch (error) {
    removeQuietly(root);
    throw error;
  }
  globalThis.addEventListener("unload", () => removeQuietly(root));
  return shared;
}

/**
 * The folder of the shared `DENO_DIR` (or, before it exists, the temp folder
 * it will be made in) when one of `writable` covers it; else undefined. A
 * worker cannot be denied part of a grant, so a worker-tier plugin that could
 * write there could plant code that process-tier children run.
 */
export function sharedDenoDirWritableBy(writable: readonly string[]): string | undefined {
  const places = shared?.deny ?? [tempDir()].filter((path) => path !== undefined);
  return places.find((place) => writable.some((item) => isWithin(place, item)));
}

function run(args: string[], denoDir: string): { ok: boolean; stdout: string; stderr: string } {
  const output = new Deno.Command(Deno.execPath(), {
    args,
    env: processEnv([], denoDir),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const decoder = new TextDecoder();
  return {
    ok: output.success,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr).trim().slice(0, 2000),
  };
}

function noComma(path: string): void {
  if (!path.includes(",")) return;
  throw new RangeError(
    `Cannot share a DENO_DIR: its path ${JSON.stringify(path)} holds a comma, which a ` +
      "--deny-read flag cannot express; set TMPDIR to a folder without one",
  );
}

/**
 * Loads the runtime once into the caches, then makes them read-only (see the module doc).
 *
 * @returns The real path of `denoDir`, links resolved.
 */
function warmAndGuard(root: string, denoDir: string): string {
  const warm = run(runtimeOnlyArgs(), denoDir);
  if (!warm.ok) {
    throw new Error(
      `Cannot warm the module caches in ${denoDir}: the runtime failed: ${warm.stderr}`,
    );
  }
  // The guard's own modules are cached apart, so Deno holds no lock on the files it changes.
  const guardDir = `${root}/guard`;
  const guard = run([
    "run",
    "--no-config",
    "--no-lock",
    "--no-npm",
    "--no-remote",
    "--no-prompt",
    `--allow-read=${denoDir}`,
    `--allow-write=${denoDir}`,
    GUARD.href,
    denoDir,
  ], guardDir);
  removeQuietly(guardDir);
  let report: { real?: unknown; guarded?: unknown } | undefined;
  try {
    report = guard.ok ? JSON.parse(guard.stdout) : undefined;
  } catch {
    report = undefined;
  }
  const tables = report?.guarded;
  if (!Array.isArray(tables) || tables.length === 0 || typeof report?.real !== "string") {
    throw new Error(
      `Cannot make the module caches in ${denoDir} read-only: ${
        guard.ok ? `no cache database was found (${guard.stdout.trim()})` : guard.stderr
      }; this Deno (${Deno.version.deno}) may keep them elsewhere, use the worker tier meanwhile`,
    );
  }
  return report.real;
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch {
    // best effort: the process is ending, or the folder is gone already
  }
}
