import { extname, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type DeniedImport, ImportDeniedError } from "./errors.ts";
import { findImports } from "./_import_scanner.ts";
import { passedBefore, ReadLog, readModule, rememberPass } from "./_check_cache.ts";
import { coversPackage, isWithin, type PermissionGrant } from "./permissions.ts";

const SCANNED = new Set([".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"]);

/** Specifiers every plugin may import: the plugin SDK, which the runtime has already loaded. */
const ALWAYS_ALLOWED = new Set(["@sandplug/host/plugin", "jsr:@sandplug/host/plugin"]);

function hostOf(url: URL): string {
  return url.port ? `${url.hostname}:${url.port}` : url.hostname;
}

function importHostAllowed(url: URL, grant: PermissionGrant): boolean {
  return grant.import.some((item) => item === hostOf(url) || item === url.hostname);
}

/** Why a specifier is refused, or undefined when it is allowed; `next` receives local files to scan. */
function judge(
  specifier: string,
  importer: URL,
  dir: string,
  grant: PermissionGrant,
  next: (path: string) => void,
): string | undefined {
  if (ALWAYS_ALLOWED.has(specifier) || specifier.startsWith("node:")) return undefined;
  const local = /^(\.{1,2}\/|\/|file:)/.test(specifier);
  if (local) {
    const path = fileURLToPath(new URL(specifier, importer));
    if (!isWithin(path, dir)) {
      return "it leaves the plugin folder; keep the plugin's code and data inside it";
    }
    next(path);
    return undefined;
  }
  const scheme = specifier.match(/^([A-Za-z][A-Za-z0-9+.-]*):/)?.[1]?.toLowerCase();
  if (scheme === "data" || scheme === "blob") {
    return `${scheme}: modules are not allowed; put the code in a file of the plugin`;
  }
  if (scheme === "http" || scheme === "https") {
    return importHostAllowed(new URL(specifier), grant)
      ? undefined
      : `remote imports need "permissions": { "import": ["${
        hostOf(new URL(specifier))
      }"] } in plugin.json, ` +
        "allowed by the host";
  }
  if (scheme !== undefined && scheme !== "npm" && scheme !== "jsr") {
    return `${scheme}: imports are not allowed`;
  }
  if (grant.imports.some((declared) => coversPackage(declared, specifier))) return undefined;
  const name = specifier.match(/^((?:npm:|jsr:)?(?:@[^/]+\/)?[^/@]+)/)?.[1] ?? specifier;
  return `the package is not declared; add "imports": ["${name}"] to plugin.json and have the host allow it`;
}

const decoder = new TextDecoder();

/**
 * Walks the plugin's module graph from its entry, through every local module
 * it imports literally, and refuses imports its grant does not cover. Runs
 * before any plugin code does. A graph that passed before in this process,
 * with the same entry, folder and grant and every module byte for byte the
 * same, passes again without a scan.
 *
 * @throws {ImportDeniedError} Listing every refused import with its file and line.
 */
export function checkModuleGraph(
  plugin: string,
  entry: string,
  dir: string,
  grant: PermissionGrant,
): void {
  // The verdict depends on these, on the bytes of the files read, and on nothing else
  // (the plugin's name only appears in the error, and only passes are remembered).
  const key = JSON.stringify([entry, dir, grant]);
  if (passedBefore(key)) return;
  const log = new ReadLog();
  const denied: DeniedImport[] = [];
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (seen.has(path) || !SCANNED.has(extname(path))) continue;
    seen.add(path);
    const bytes = readModule(path);
    log.add(path, bytes);
    if (bytes === undefined) continue; // a missing module is reported by the runtime when it loads
    const importer = pathToFileURL(path);
    for (const found of findImports(decoder.decode(bytes))) {
      const reason = judge(found.specifier, importer, dir, grant, (next) => queue.push(next));
      if (reason !== undefined) {
        denied.push({
          specifier: found.specifier,
          file: relative(dir, path),
          line: found.line,
          reason,
        });
      }
    }
  }
  if (denied.length > 0) throw new ImportDeniedError(plugin, denied);
  rememberPass(key, log);
}
