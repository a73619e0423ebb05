/**
 * How the process tier compiles a plugin's grant into its child's command
 * line and environment, and checks that the host itself may start the child.
 *
 * @module
 */
import { PluginLoadError } from "../../errors/errors.ts";
import { PERMISSION_KINDS } from "../../permissions/permissions.ts";
import type { IsolateSpec } from "../types.ts";
import { matchSdk, SDK_BARE, SDK_PACKAGE_VERSION, SDK_URL } from "../../load/sdk_specifier.ts";
import type { PackageSet } from "./package_set.ts";

/** The child's main module: the runtime that speaks the framed protocol on stdin/stdout. */
export const PROCESS_MAIN = new URL("../../runtime/process_main.ts", import.meta.url);

/** Whether the host holds the permission, asked without a prompt. */
export function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/**
 * The child's import map: every spelling of the plugin SDK (those that
 * `sdk` lists too, as the plugin's code writes them) names the SDK module the
 * runtime has loaded, so the plugin gets that very instance.
 */
function importMap(sdk: readonly string[] = []): string {
  const imports: Record<string, string> = {};
  for (const spelling of [...SDK_SPELLINGS, ...sdk]) imports[spelling] = SDK_URL;
  return `data:application/json,${encodeURIComponent(JSON.stringify({ imports }))}`;
}

const SDK_SPELLINGS = [
  SDK_BARE,
  "jsr:@sandplug/host/plugin",
  `jsr:@sandplug/host@${SDK_PACKAGE_VERSION}/plugin`,
];

/** Options of {@linkcode processArgs}. */
export interface ProcessArgsOptions {
  /** Start the child's watchdog thread, where no reaper process watches the host. */
  watchParent?: boolean;
  /**
   * Folders the plugin may neither read nor write whatever its grant says:
   * the shared DENO_DIR, so that no plugin plants or reads cached code.
   */
  deny?: readonly string[];
  /** The plugin's packages, resolved by `preparePackages`, when it imports any. */
  packages?: PackageSet;
}

/** Read and write grants that could cover a denied folder get it carved out; other kinds cannot. */
const CARVED: ReadonlySet<string> = new Set(["read", "write"]);

function baseArgs(local: boolean, packages?: PackageSet): string[] {
  if (packages !== undefined) {
    // The set's deno.json: its node_modules folder and frozen lock; nothing is ever fetched.
    const args = ["run", `--config=${packages.config}`, "--cached-only", "--no-prompt"];
    // JSR packages are remote modules, read from the cache.
    if (!packages.jsr) args.push("--no-remote");
    return args;
  }
  const args = ["run", "--no-config", "--no-lock", "--no-npm", "--no-prompt"];
  // Remote modules are fetched only for a granted import; none may be cached yet.
  if (local) args.push("--no-remote", "--cached-only");
  return args;
}

/**
 * The `deno` arguments of a child that loads the runtime, denied everything,
 * and (its stdin closed) exits: run once per host, it leaves the runtime's
 * modules in the shared caches exactly as a plugin's child loads them.
 */
export function runtimeOnlyArgs(): string[] {
  const deny = PERMISSION_KINDS.map((kind) => `--deny-${kind}`);
  return [...baseArgs(true), ...deny, `--import-map=${importMap()}`, PROCESS_MAIN.href];
}

/**
 * The `deno` arguments of a plugin's child: flags compiled from the grant and
 * nothing more, then the trusted entry module.
 *
 * @throws {PluginLoadError} When a grant item holds a comma, which a flag cannot express, or
 * the plugin imports both packages and remote modules.
 */
export function processArgs(spec: IsolateSpec, options: ProcessArgsOptions = {}): string[] {
  const { packages } = options;
  if (packages !== undefined && spec.grant.import.length > 0) {
    throw new PluginLoadError(
      spec.plugin,
      `it imports both packages and remote modules (${spec.grant.import.join(", ")}), ` +
        "which the process tier cannot combine: its lock holds only the packages; " +
        "publish the remote code as a package, or use the worker tier",
    );
  }
  const args = baseArgs(spec.grant.import.length === 0, packages);
  const deny = options.deny ?? [];
  for (const kind of PERMISSION_KINDS) {
    // JSR packages load from jsr.io's URLs, out of the cache only (--cached-only).
    const items = kind === "import" && packages?.jsr ? ["jsr.io:443"] : spec.grant[kind];
    const comma = items.find((item) => item.includes(","));
    if (comma !== undefined) {
      throw new PluginLoadError(
        spec.plugin,
        `its ${kind} grant ${
          JSON.stringify(comma)
        } holds a comma, which a --allow-${kind} flag cannot express; ` +
          "rename the path or use the worker tier",
      );
    }
    if (items.length === 0) {
      args.push(`--deny-${kind}`);
      continue;
    }
    args.push(`--allow-${kind}=${items.join(",")}`);
    // A deny list wins over the grant in Deno: a plugin granted the temp folder still misses these.
    if (CARVED.has(kind) && deny.length > 0) args.push(`--deny-${kind}=${deny.join(",")}`);
  }
  const memoryMb = spec.manifest.limits.memoryMb;
  if (memoryMb !== undefined) args.push(`--v8-flags=--max-old-space-size=${memoryMb}`);
  const sdk = (spec.graph?.packages ?? []).filter((item) => matchSdk(item).kind === "sdk");
  args.push(`--import-map=${importMap(sdk)}`, PROCESS_MAIN.href);
  if (options.watchParent) args.push("--sandplug-watch-parent");
  return args;
}

/**
 * The child's whole environment: the granted variables the host may read
 * (`NAME*` copies every variable with that prefix), the shared DENO_DIR,
 * NO_COLOR, and DENO_EMIT_CACHE_MODE=disable. A variable the host may not
 * read is left out, never an error.
 *
 * Deno writes the transpiled code of every TypeScript module a process loads
 * to `DENO_DIR/gen`, keyed by the specifier as written: a plugin importing
 * `data:` modules it builds, or its own files by ever new paths (through a
 * link to a folder), would add files there without end. Transpiling the
 * runtime (about 80 KB) instead costs each child about 15 ms of CPU at
 * start-up; the module analysis and code caches stay warm, and read-only
 * (`_cache_guard.ts`).
 */
export function processEnv(grant: readonly string[], denoDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of grant) {
    if (item.endsWith("*")) {
      if (!granted({ name: "env" })) continue;
      const prefix = item.slice(0, -1);
      for (const [name, value] of Object.entries(Deno.env.toObject())) {
        if (name.startsWith(prefix)) env[name] = value;
      }
    } else if (granted({ name: "env", variable: item })) {
      const value = Deno.env.get(item);
      if (value !== undefined) env[item] = value;
    }
  }
  return { ...env, DENO_DIR: denoDir, NO_COLOR: "1", DENO_EMIT_CACHE_MODE: "disable" };
}

/** The temp folder Deno.makeTempDir uses, when the host may know it without a prompt (Unix only). */
export function tempDir(): string | undefined {
  if (Deno.build.os === "windows") return undefined;
  const fromEnv = granted({ name: "env", variable: "TMPDIR" }) ? Deno.env.get("TMPDIR") : undefined;
  return fromEnv || "/tmp";
}

/**
 * Refuses, before anything is tried, to start a child the host lacks the
 * permissions for: trying would make Deno prompt on the host's terminal.
 */
export function checkHostPermissions(plugin: string): void {
  const deno = Deno.execPath();
  const missing: string[] = [];
  if (!granted({ name: "run", command: deno })) missing.push(`--allow-run=${deno}`);
  const tmp = tempDir();
  if (tmp !== undefined && !granted({ name: "write", path: tmp })) {
    missing.push(`--allow-write=${tmp}`);
  }
  if (missing.length > 0) {
    throw new PluginLoadError(
      plugin,
      `the host may not start its process: run the host with ${missing.join(" ")} ` +
        '(the plugin gets none of it), or use isolation: "worker"',
    );
  }
}
