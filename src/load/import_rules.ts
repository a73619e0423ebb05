/**
 * What a plugin's module may import, one specifier at a time: its own files,
 * `node:` built-ins, the plugin SDK by any of its names, the packages it
 * declared, and remote modules from hosts its grant names.
 *
 * @module
 */
import { normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { isWithin, type PermissionGrant } from "../permissions/permissions.ts";
import { declaredCovers, parsePackage } from "./package_specifier.ts";
import { matchSdk, otherVersionReason, SDK_URL } from "./sdk_specifier.ts";

/** How much of a refused specifier an error shows; the rest is counted, not copied. */
const SHOWN_CHARS = 200;

const NOT_A_URL = "it is not a URL Deno can load; write a relative path, a file: URL or a package";

/** The SDK's path: the plugin may name the very module the runtime loaded, by any local spelling. */
const SDK_PATH = fileURLToPath(SDK_URL);

/** What the check learns from an allowed specifier. */
export interface Found {
  /** A local module to scan, and whether it was named by an absolute path or URL. */
  module(path: string, absolute: boolean): void;
  /** A package or plugin SDK specifier, as written. */
  package(specifier: string): void;
}

function hostOf(url: URL): string {
  return url.port ? `${url.hostname}:${url.port}` : url.hostname;
}

function importHostAllowed(url: URL, grant: PermissionGrant): boolean {
  return grant.import.some((item) => item === hostOf(url) || item === url.hostname);
}

/**
 * Why a specifier is refused, or undefined when it is allowed; `found`
 * receives the local modules to scan and the packages the plugin uses.
 */
export function judge(
  specifier: string,
  importer: URL,
  dir: string,
  grant: PermissionGrant,
  found: Found,
): string | undefined {
  if (specifier.includes("\\")) {
    return "it is written with an escape sequence, and Deno loads what the escape means, " +
      "not what the text shows; write the specifier without backslashes";
  }
  if (specifier.startsWith("node:")) return undefined;
  const sdk = matchSdk(specifier);
  if (sdk.kind === "other-version") return otherVersionReason(sdk.range);
  if (sdk.kind === "sdk") {
    found.package(specifier);
    return undefined;
  }
  const local = /^(\.{1,2}\/|\/|file:)/.test(specifier);
  if (local) {
    let path: string;
    try {
      // The same file by another spelling ("./a.ts", ".//a.ts") is read once.
      path = normalize(fileURLToPath(new URL(specifier, importer)));
    } catch {
      return NOT_A_URL;
    }
    // The runtime's own SDK module, which the isolate has loaded already, by its path or URL.
    if (path === SDK_PATH) return undefined;
    if (!isWithin(path, dir)) {
      return "it leaves the plugin folder; keep the plugin's code and data inside it";
    }
    found.module(path, !specifier.startsWith("."));
    return undefined;
  }
  const scheme = specifier.match(/^([A-Za-z][A-Za-z0-9+.-]*):/)?.[1]?.toLowerCase();
  if (scheme === "data" || scheme === "blob") {
    return `${scheme}: modules are not allowed; put the code in a file of the plugin`;
  }
  if (scheme === "http" || scheme === "https") {
    let url: URL;
    try {
      url = new URL(specifier);
    } catch {
      return NOT_A_URL;
    }
    return importHostAllowed(url, grant) ? undefined : `remote imports need "permissions": { ` +
      `"import": ["${shown(hostOf(url))}"] } in plugin.json, allowed by the host`;
  }
  if (scheme !== undefined && scheme !== "npm" && scheme !== "jsr") {
    return `${scheme}: imports are not allowed`;
  }
  if (grant.imports.some((declared) => declaredCovers(declared, specifier))) {
    found.package(specifier);
    return undefined;
  }
  const name = parsePackage(specifier)?.name ?? specifier;
  const other = grant.imports.find((declared) => parsePackage(declared)?.name === name);
  if (other !== undefined) {
    return `plugin.json declares ${JSON.stringify(other)}, and the code asks for another version ` +
      `or subpath; write ${JSON.stringify(name)} in the code, or declare what it asks for`;
  }
  if (!/^(npm|jsr):/.test(name)) {
    return `a bare package name is not declared, and resolves only through the host's import map, ` +
      `which the process tier does not use; write "npm:${name}" in the code and add ` +
      `"imports": ["npm:${name}"] to plugin.json, and have the host allow it`;
  }
  return `the package is not declared; add "imports": ["${name}"] to plugin.json and have the host allow it`;
}

/** A plugin's text for an error message: cut to {@linkcode SHOWN_CHARS}, with the length of the rest. */
export function shown(text: string): string {
  return text.length <= SHOWN_CHARS
    ? text
    : `${text.slice(0, SHOWN_CHARS)}… (${text.length - SHOWN_CHARS} more characters)`;
}
