/**
 * The process tier: each plugin runs in its own `deno run` child process whose
 * flags are compiled from its effective grant and nothing more. Host-level
 * effects (`Deno.kill`, `Deno.exit`, heap exhaustion, busy loops) stay inside
 * the child, SIGKILL always ends it, and the plugin's whole module graph is
 * checked against its flags. Messages cross stdin/stdout as frames (see
 * `_framing.ts`); the child's stderr and any stray stdout are forwarded as
 * log lines.
 *
 * @module
 */
import { join } from "node:path";
import { PluginLoadError } from "../../errors/errors.ts";
import { type SharedDenoDir, sharedDenoDir } from "./deno_dir.ts";
import { checkHostPermissions, PROCESS_MAIN, processArgs, processEnv, tempDir } from "./args.ts";
import { ChildIsolate, type ChildOptions } from "./child.ts";
import type { ProcessLogLine } from "./output.ts";
import { reaperAvailable, releaseChild, startReaper, watchChild } from "./reaper.ts";
import type { Isolate, IsolateEvents, IsolateSpec, IsolationTier } from "../types.ts";
import type { PermissionGrant } from "../../permissions/permissions.ts";
import {
  type PackageSet,
  packageSetFor,
  packageSpellings,
  preparePackages,
} from "./package_set.ts";
import { errorText } from "../../wire/error_text.ts";
import { positiveOption } from "../../errors/options.ts";

const MIB = 1024 * 1024;

/** Options of {@linkcode createProcessTier}. */
export interface ProcessTierOptions {
  /**
   * Receives every line the child writes outside the protocol.
   *
   * @default {the host's log sink (see createHost's `log` option)}
   */
  log?: (line: ProcessLogLine) => void;
  /**
   * How long `terminate()` waits after closing stdin before it sends SIGKILL.
   *
   * @default {200}
   */
  killAfterMs?: number;
  /**
   * The largest message accepted from a plugin, in bytes; a plugin announcing
   * a longer one is killed before the host buffers it. Given, it applies to
   * every child; left out, each child's cap is twice its host's
   * `maxMessageBytes` (a serialised payload can exceed the host's approximate
   * size measure), and at least 1 MiB.
   *
   * @default {2 × the host's maxMessageBytes, at least 1048576 (1 MiB)}
   */
  maxMessageBytes?: number;
  /**
   * Whether children are killed as soon as the host process is gone, even
   * while plugin code keeps them busy. Without it a child notices only when
   * its stdin ends, which plugin code stuck in a busy loop never does, so it
   * would outlive a host that crashed or was SIGKILLed. On Unix, when the
   * host may run `/bin/sh`, one small reaper process per host does it for
   * every child; otherwise each child runs a watchdog thread (about 10 ms of
   * start-up and 7 MiB of private memory per child).
   *
   * @default {true}
   */
  watchParent?: boolean;
}

/** A plugin's child process, as the process tier hands it to the host. */
export interface ProcessIsolate extends Isolate {
  /** The child's process id. */
  readonly pid: number;
  /**
   * Closes the child's stdin, then sends SIGKILL if it has not exited within
   * `killAfterMs`. Safe to call more than once.
   *
   * @returns A promise that settles once the child has been reaped.
   */
  terminate(): Promise<void>;
}

/** The tier's options with defaults filled in; the frame cap is settled per child. */
type TierOptions = Omit<Required<ProcessTierOptions>, "maxMessageBytes" | "log"> & {
  maxMessageBytes: number | undefined;
  log: ProcessTierOptions["log"];
};

/**
 * The shared DENO_DIR, once the host is known to hold what starting a child
 * needs: this package on local disk (children run its runtime by path) and
 * the permissions.
 *
 * @throws {PluginLoadError} When the package is remote, the host lacks a permission, or the
 * folder cannot be made.
 */
function sharedDirFor(plugin: string): SharedDenoDir {
  if (PROCESS_MAIN.protocol !== "file:") {
    throw new PluginLoadError(
      plugin,
      `the process tier needs @sandplug/host on local disk, but it runs from ${PROCESS_MAIN.origin}; ` +
        "install the package locally (deno install, vendor) or use the worker tier",
    );
  }
  checkHostPermissions(plugin);
  try {
    return sharedDenoDir();
  } catch (cause) {
    // Making the folder needs the temp folder; warming and guarding its caches runs deno twice.
    const fix =
      cause instanceof Deno.errors.PermissionDenied || cause instanceof Deno.errors.NotCapable
        ? `the host needs write access to the temp folder (--allow-write=${tempDir() ?? "<temp>"})`
        : "fix what the message names, or use the worker tier";
    throw new PluginLoadError(
      plugin,
      `the DENO_DIR of its process could not be made: ${errorText(cause)}; ${fix}`,
      { cause },
    );
  }
}

/**
 * The packages `resolveImports` resolved for the plugin, or undefined when it imports none.
 *
 * @throws {PluginLoadError} When it imports packages that were not resolved (a host that did
 * not call `resolveImports`).
 */
function packagesOf(spec: IsolateSpec): PackageSet | undefined {
  const spellings = packageSpellings(spec.graph?.packages ?? []);
  if (spec.grant.imports.length === 0 && spellings.length === 0) return undefined;
  const set = packageSetFor(spec.grant.imports, spellings);
  if (set !== undefined) return set;
  throw new PluginLoadError(
    spec.plugin,
    `its packages (${spec.grant.imports.join(", ")}) were not resolved before its process ` +
      "started; load it through a host (createHost), which resolves them",
  );
}

async function resolveImports(
  plugin: string,
  grant: PermissionGrant,
  packages: readonly string[],
  signal?: AbortSignal,
): Promise<PermissionGrant> {
  const spellings = packageSpellings(packages);
  if (grant.imports.length === 0 && spellings.length === 0) return grant;
  const { root } = sharedDirFor(plugin);
  const set = await preparePackages(plugin, root, grant.imports, spellings, signal);
  return Object.freeze({ ...grant, imports: set.exact }) as PermissionGrant;
}

function startProcess(
  spec: IsolateSpec,
  events: IsolateEvents,
  tierOptions: TierOptions,
): ProcessIsolate {
  const options: ChildOptions = {
    ...tierOptions,
    maxMessageBytes: tierOptions.maxMessageBytes ?? Math.max(spec.maxMessageBytes * 2, MIB),
  };
  const shared = sharedDirFor(spec.plugin);
  const packages = packagesOf(spec);
  const deny = shared.deny;
  // One reaper process per host watches every child; where none can run, each child watches itself.
  const reaped = options.watchParent && reaperAvailable();
  let args = processArgs(spec, { watchParent: options.watchParent && !reaped, deny, packages });
  if (reaped && !startReaper(shared.root)) {
    args = processArgs(spec, { watchParent: true, deny, packages });
  }
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(Deno.execPath(), {
      args,
      env: withAudit(processEnv(spec.grant.env, shared.denoDir), spec.auditDir),
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (cause) {
    void releaseChild(-1); // lets a reaper started for this child go
    throw new PluginLoadError(
      spec.plugin,
      `its process could not start: ${
        errorText(cause)
      }; the host needs --allow-run=${Deno.execPath()}`,
      { cause },
    );
  }
  const watched = reaped ? watchChild(child.pid) : undefined;
  return new ChildIsolate(spec, child, events, options, watched);
}

/**
 * Makes a process tier with its own log sink and limits.
 *
 * @param options Where log lines go, the kill grace period, the message size limit, the parent watchdog.
 * @returns A tier whose isolates are {@linkcode ProcessIsolate}s.
 * @throws {RangeError} When a number is not positive.
 */
export function createProcessTier(options: ProcessTierOptions = {}): IsolationTier {
  const resolved: TierOptions = {
    log: options.log,
    killAfterMs: positiveOption("create process tier", "killAfterMs", options.killAfterMs, 200),
    maxMessageBytes: options.maxMessageBytes === undefined ? undefined : positiveOption(
      "create process tier",
      "maxMessageBytes",
      options.maxMessageBytes,
      0,
      "bytes",
    ),
    watchParent: options.watchParent ?? true,
  };
  return {
    name: "process",
    enforces: { permissions: true, memoryLimit: true },
    audits: true,
    resolveImports,
    packageIntegrity: (grant, packages) =>
      packageSetFor(grant.imports, packageSpellings(packages))?.integrity,
    start: (spec, events) => startProcess(spec, events, resolved),
  };
}

/**
 * Runs each plugin in its own `deno run` child process holding exactly its
 * effective grant, with a cleared environment, a DENO_DIR shared with the
 * host's other children but closed to plugins (whose module caches they
 * cannot grow), and, when the manifest sets `limits.memoryMb`, a V8 heap cap
 * plus an RSS watchdog at twice that. Needs no unstable flag; the host needs `--allow-run` for the
 * deno executable and write access to the temp folder.
 */
export const processTier: IsolationTier = createProcessTier();

/**
 * The child's environment, with Deno's permission audit on in learn mode: a
 * new file per child, as Deno empties the file it is given when it starts, and
 * a restarted plugin's earlier checks must stay.
 */
function withAudit(
  env: Record<string, string>,
  auditDir: string | undefined,
): Record<string, string> {
  if (auditDir === undefined) return env;
  return { ...env, DENO_AUDIT_PERMISSIONS: join(auditDir, `${crypto.randomUUID()}.jsonl`) };
}
