/**
 * The packages of a process-tier plugin. The host resolves them before the
 * plugin runs: `package_prep.ts` installs every package specifier the
 * plugin's code writes (and each it declared) into a folder of its own under
 * the shared DENO_DIR's root, with a lock file. The plugin's child then runs
 * with that folder's `deno.json`: `nodeModulesDir` there, the lock frozen,
 * cache-only, and a DENO_DIR that holds no package. So it loads exactly the
 * packages resolved for it (and what they depend on), at the versions
 * recorded in its grant, and nothing else by any spelling: a specifier not
 * in the frozen lock has nothing to resolve from, and is never fetched.
 *
 * The folder is denied to every plugin's reads and writes like the rest of
 * the root, and lives as long as the host process; the packages themselves
 * stay in the user's Deno cache, so only a host's first load of a package
 * needs the npm registry.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { PluginLoadError } from "../../errors/errors.ts";
import { matchSdk } from "../../load/sdk_specifier.ts";
import { parsePackage } from "../../load/package_specifier.ts";
import { capText } from "../../wire/bounded_error.ts";
import { errorText } from "../../wire/error_text.ts";

const PREP = new URL("./package_prep.ts", import.meta.url);

/**
 * How long an install may take: a host's first load of a package downloads
 * it, which can take far longer than starting a plugin. Plugins that import
 * alike share one install, so no one load's signal may stop it.
 */
const INSTALL_TIMEOUT_MS = 120_000;

/** How much of the installer's own report a load error quotes. */
const REPORT_CHARS = 2000;

/** A plugin's resolved packages, ready for its child. */
export interface PackageSet {
  /** The `deno.json` the child runs with: its `node_modules` folder and frozen lock. */
  readonly config: string;
  /** The declared packages at the exact versions they resolved to, e.g. `npm:marked@15.0.12`. */
  readonly exact: readonly string[];
  /** Whether any is a JSR package, whose modules the child loads (from the cache) as remote modules. */
  readonly jsr: boolean;
  /** Every package installed (declared, and what they depend on): its registry integrity, by exact specifier. */
  readonly integrity: Readonly<Record<string, string>>;
}

/** Sets being made or made, by what they were made from: plugins that import alike share one. */
const made = new Map<string, Promise<PackageSet>>();
/** Installs started, so that one started after a failed or abandoned one gets a folder of its own. */
let installs = 0;
/** Sets made, by what a child's start knows of them: its grant's exact imports and its code's specifiers. */
const ready = new Map<string, PackageSet>();

/** The package specifiers the plugin's code writes, without the plugin SDK's, which no package provides. */
export function packageSpellings(specifiers: readonly string[]): string[] {
  return specifiers.filter((specifier) => matchSdk(specifier).kind === "not-sdk");
}

function keyOf(...lists: readonly (readonly string[])[]): string {
  return JSON.stringify(lists.map((list) => [...new Set(list)].sort()));
}

/** A package's name in a specifier: `npm:@scope/name@1/sub` → `npm:@scope/name`. */
function packageName(specifier: string): string {
  return parsePackage(specifier)?.name ?? specifier;
}

/**
 * Each declared package at the versions the lock resolved it to: the lock
 * maps each specifier asked for to a version (`"npm:marked@15": "15.0.12"`,
 * or `"15.0.12_react@18.2.0"` where peers decided the copy).
 */
export function exactImports(
  declared: readonly string[],
  specifiers: Readonly<Record<string, string>>,
): string[] {
  const names = new Set(declared.map(packageName));
  const exact = new Set<string>();
  for (const [asked, version] of Object.entries(specifiers)) {
    const name = packageName(asked);
    if (names.has(name)) exact.add(`${name}@${version.split("_")[0]}`);
  }
  return [...exact].sort();
}

/**
 * Resolves and installs the packages a plugin declares and its code imports,
 * once per distinct set in this host process.
 *
 * @param plugin The plugin's name, for errors.
 * @param root The shared DENO_DIR's root, under which the set's folder is made.
 * @param declared The grant's `imports`.
 * @param spellings The package specifiers its code writes ({@linkcode packageSpellings}).
 * @param signal Stops this caller's wait; the install goes on for others.
 * @throws {PluginLoadError} When a specifier is not an `npm:` or `jsr:` one, or the install fails
 * (no such package or version, no registry on a first fetch) or times out.
 * @throws {DOMException} The signal's reason when it aborts.
 */
export async function preparePackages(
  plugin: string,
  root: string,
  declared: readonly string[],
  spellings: readonly string[],
  signal?: AbortSignal,
): Promise<PackageSet> {
  const bare = [...declared, ...spellings].find((item) => !/^(npm|jsr):/.test(item));
  if (bare !== undefined) {
    throw new PluginLoadError(
      plugin,
      `it imports the package ${
        JSON.stringify(bare)
      } by a bare name, which the process tier cannot resolve: ` +
        `its child does not use the host's import map; write "npm:${bare}" (or "jsr:…") ` +
        "in plugin.json and in the code",
    );
  }
  const key = keyOf(declared, spellings);
  let set = made.get(key);
  if (set === undefined) {
    const folder = `${root}/packages/${installs++}-${
      createHash("sha256").update(key).digest("hex").slice(0, 24)
    }`;
    set = install(plugin, folder, declared, spellings);
    made.set(key, set);
    // A failed install is tried again by the next load: the registry may be back.
    set.catch(() => made.delete(key));
  }
  const value = await untilAborted(set, signal);
  ready.set(keyOf(value.exact, spellings), value);
  return value;
}

/**
 * The set {@linkcode preparePackages} made for a plugin whose grant holds
 * `exact` and whose code writes `spellings`, or undefined when none was.
 */
export function packageSetFor(
  exact: readonly string[],
  spellings: readonly string[],
): PackageSet | undefined {
  return ready.get(keyOf(exact, spellings));
}

/** What the installer said, without where in the generated entry module or Deno's backtrace. */
function installerReport(stderr: string): string {
  const lines: string[] = [];
  for (const line of stderr.split("\n")) {
    if (line.startsWith("Stack backtrace:")) break;
    if (line.trim() !== "" && !/^\s+at file:/.test(line)) lines.push(line.trim());
  }
  return lines.join(" ").replace(/^error: /, "").replace(/\.$/, "");
}

/** `promise`, or the signal's reason if it aborts first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

async function install(
  plugin: string,
  folder: string,
  declared: readonly string[],
  spellings: readonly string[],
): Promise<PackageSet> {
  const signal = AbortSignal.timeout(INSTALL_TIMEOUT_MS);
  const listed = [...new Set(declared)].join(", ");
  let output: Deno.CommandOutput | undefined;
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-config", "--no-lock", PREP.href, folder],
      env: { NO_COLOR: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      signal,
    }).spawn();
    const writer = child.stdin.getWriter();
    // Declared packages first: the code's unversioned spellings then reuse their versions.
    await writer.write(new TextEncoder().encode(JSON.stringify([...declared, ...spellings])));
    await writer.close();
    output = await child.output();
  } catch (cause) {
    if (!signal.aborted) {
      throw new PluginLoadError(
        plugin,
        `its packages (${listed}) could not be installed: ${errorText(cause)}`,
        { cause },
      );
    }
  }
  if (signal.aborted) {
    throw new PluginLoadError(
      plugin,
      `its packages (${listed}) were not installed within ${INSTALL_TIMEOUT_MS} ms; ` +
        "check that the host reaches the npm registry, or load it again to retry",
    );
  }
  const report = installerReport(new TextDecoder().decode(output?.stderr));
  if (output === undefined || !output.success) {
    throw new PluginLoadError(
      plugin,
      `its packages (${listed}) could not be installed: ${capText(report, REPORT_CHARS)}; ` +
        "check each name and version in plugin.json; a host's first load of a package needs " +
        "the npm registry, later loads only the Deno cache",
    );
  }
  const { specifiers, integrity } = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    specifiers: Record<string, string>;
    integrity: Record<string, string>;
  };
  return Object.freeze({
    config: `${folder}/deno.json`,
    exact: Object.freeze(exactImports(declared, specifiers)),
    jsr: [...declared, ...spellings].some((item) => item.startsWith("jsr:")),
    integrity: Object.freeze(integrity),
  });
}
