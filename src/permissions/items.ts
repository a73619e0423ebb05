/**
 * One permission item in one spelling, and when one item allows everything
 * another does, with Deno's own meaning of each kind. Shared by the
 * permission diff and learn mode.
 *
 * @module
 */
import { isAbsolute, normalize, parse, sep } from "node:path";
// @ts-types="@types/semver"
import semver from "semver";
import { parsePackage } from "../load/package_specifier.ts";
import type { GrantKind } from "./permissions.ts";

/** The kinds whose items are file paths. */
export const PATH_KINDS: ReadonlySet<string> = new Set(["read", "write", "ffi"]);

/**
 * A path in one spelling: normalized, without a trailing separator, and a
 * relative one with a leading `./` and `/` separators (a manifest's spelling).
 */
export function normalizePath(path: string): string {
  let out = normalize(path);
  const root = parse(out).root;
  while (out.length > root.length && out.endsWith(sep)) out = out.slice(0, -1);
  if (isAbsolute(out)) return out;
  out = out.split(sep).join("/");
  return out === "." || out === ".." || out.startsWith("../") ? out : `./${out}`;
}

/** Whether the path `asked` is `allowed` or lies below it; both spelt by {@linkcode normalizePath}. */
function pathCovers(allowed: string, asked: string): boolean {
  if (allowed === asked) return true;
  if (isAbsolute(allowed) !== isAbsolute(asked)) return false;
  if (!isAbsolute(allowed)) {
    // "." is the folder relative paths start from: it holds all but the ones that leave it.
    if (allowed === ".") return asked !== ".." && !asked.startsWith("../");
    return asked.startsWith(`${allowed}/`);
  }
  if (allowed === parse(allowed).root) return asked.startsWith(allowed);
  return asked.startsWith(`${allowed}${sep}`);
}

/** A `host[:port]` item taken apart; an IPv6 address keeps its brackets. */
function splitHost(item: string): { host: string; port: string | undefined } {
  const match = item.match(/^(\[[^\]]*\]|[^:]*)(?::([0-9]+))?$/);
  if (match === null) return { host: item.toLowerCase(), port: undefined };
  return { host: match[1].toLowerCase(), port: match[2] };
}

/**
 * Deno's meaning: a host without a port allows every port, and `*.example.com`
 * allows example.com and every name below it. The host policy judges by it too.
 */
function hostCovers(allowed: string, asked: string): boolean {
  const a = splitHost(allowed);
  const b = splitHost(asked);
  if (a.port !== undefined && a.port !== b.port) return false;
  if (a.host === b.host) return true;
  if (!a.host.startsWith("*.")) return false;
  return b.host === a.host.slice(2) || b.host.endsWith(a.host.slice(1));
}

/** A name ending in `*` allows every variable it begins; any other only itself. */
function envCovers(allowed: string, asked: string): boolean {
  return allowed.endsWith("*") ? asked.startsWith(allowed.slice(0, -1)) : allowed === asked;
}

/** Whether every version the range `asked` admits is one `allowed` admits. */
function versionCovers(allowed: string | undefined, asked: string | undefined): boolean {
  if (allowed === undefined) return true;
  // An entry without a version lets the code name any version.
  if (asked === undefined) return false;
  if (allowed === asked) return true;
  if (semver.validRange(allowed) === null || semver.validRange(asked) === null) return false;
  return semver.subset(asked, allowed);
}

/**
 * Whether the package entry `allowed` lets the code import everything that
 * `asked` does: the same package, versions within its range, subpaths within
 * its subpath.
 */
function packageCovers(allowed: string, asked: string): boolean {
  if (allowed === asked) return true;
  const a = parsePackage(allowed);
  const b = parsePackage(asked);
  if (a === undefined || b === undefined || a.name !== b.name) return false;
  if (!versionCovers(a.version, b.version)) return false;
  return a.subpath === "" || b.subpath === a.subpath || b.subpath.startsWith(`${a.subpath}/`);
}

/** An item of `kind` in one spelling, so that two spellings of one item compare equal. */
export function normalizeItem(kind: GrantKind, item: string): string {
  if (PATH_KINDS.has(kind)) return normalizePath(item);
  if (kind === "net" || kind === "import") {
    const { host, port } = splitHost(item);
    return port === undefined ? host : `${host}:${port}`;
  }
  return item;
}

/**
 * Whether the item `allowed` allows everything the item `asked` does; both
 * spelt by {@linkcode normalizeItem}.
 */
export function itemCovers(kind: GrantKind, allowed: string, asked: string): boolean {
  if (PATH_KINDS.has(kind)) return pathCovers(allowed, asked);
  switch (kind) {
    case "net":
    case "import":
      return hostCovers(allowed, asked);
    case "env":
      return envCovers(allowed, asked);
    case "imports":
      return packageCovers(allowed, asked);
    default:
      return allowed === asked;
  }
}

/** Compares strings by code unit, the same on every machine and locale. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
