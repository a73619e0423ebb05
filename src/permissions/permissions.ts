/**
 * The effective grant of a plugin: what its manifest asks for, intersected
 * with what the host's policy allows. Nothing is granted silently: an item the
 * policy does not cover refuses the whole load.
 *
 * @module
 */
import { itemCovers } from "./items.ts";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { type DeniedPermission, PermissionDeniedError } from "../errors/load_errors.ts";
import type { Manifest } from "../manifest/manifest.ts";

/**
 * The permission kinds a manifest and a policy speak about.
 *
 * @example
 * ```ts
 * import { PERMISSION_KINDS } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(PERMISSION_KINDS, ["read", "write", "net", "env", "run", "ffi", "sys", "import"]);
 * ```
 */
export const PERMISSION_KINDS = [
  "read",
  "write",
  "net",
  "env",
  "run",
  "ffi",
  "sys",
  "import",
] as const;

/** One permission kind, e.g. `"net"`. */
export type PermissionKind = typeof PERMISSION_KINDS[number];

/**
 * What the host allows plugins to be granted, kind by kind. A list allows
 * those items (and, for paths, everything below them; for hosts without a
 * port, every port; for `"APP_*"`, every variable with that prefix); `true`
 * allows any item of that kind; absent or `false` allows none. Every plugin
 * may always read its own folder, which holds its code.
 */
export type HostPolicy =
  & { readonly [K in PermissionKind]?: boolean | readonly string[] }
  & {
    /** Packages plugins may import (`"npm:left-pad"` allows every version and sub-path of it). */
    readonly imports?: boolean | readonly string[];
    /**
     * Host functions plugins may call, by name. Each load provides its own
     * functions (`load(dir, { provide })`), which already bound what a plugin
     * can call; a list bounds it by policy too, and `false` allows none.
     *
     * @default {true}
     */
    readonly host?: boolean | readonly string[];
  };

/**
 * A plugin's effective grant: for each kind, exactly the items it holds
 * (paths absolute). An empty list means denied. `read` always starts with the
 * plugin's own folder.
 */
export type PermissionGrant =
  & { readonly [K in PermissionKind]: readonly string[] }
  & {
    /** Packages the plugin may import, as its manifest declares them. */
    readonly imports: readonly string[];
    /**
     * Host functions the plugin may call, as its manifest lists them. The host
     * enforces them itself, in every tier: they are not Deno permissions.
     */
    readonly host: readonly string[];
  };

/**
 * A policy with its paths made absolute; `true` stays `true`, and a kind the
 * policy left out is an empty list.
 */
export type ResolvedPolicy = {
  readonly [
    // Spelt out rather than GrantKind: host.policy shows this type; GrantKind is internal.
    K in PermissionKind | "imports" | "host"
  ]: true | readonly string[];
};

/** Everything a grant holds: the Deno permission kinds, declared package imports and host functions. */
export type GrantKind = PermissionKind | "imports" | "host";

const GRANT_KINDS: readonly GrantKind[] = [...PERMISSION_KINDS, "imports", "host"];

/**
 * What a policy that leaves a kind out allows. Host functions default to any:
 * the load's own `provide` bounds what a plugin can call, so a host need not
 * list each name twice.
 */
const LEFT_OUT: Readonly<Partial<Record<GrantKind, true>>> = { host: true };

const PATH_KINDS: ReadonlySet<string> = new Set(["read", "write", "ffi"]);

/**
 * Checks a host policy and makes its paths absolute.
 *
 * @throws {TypeError} When a kind is neither a boolean nor a list of strings, or names an unknown kind.
 */
export function resolvePolicy(policy: HostPolicy = {}, cwd: string = Deno.cwd()): ResolvedPolicy {
  if (typeof policy !== "object" || policy === null) {
    throw new TypeError(
      `Cannot create host: allow must be an object; current value is ${JSON.stringify(policy)}`,
    );
  }
  for (const key of Object.keys(policy)) {
    if (!(GRANT_KINDS as readonly string[]).includes(key)) {
      throw new TypeError(
        `Cannot create host: allow.${key} is not a permission kind; use ${GRANT_KINDS.join(", ")}`,
      );
    }
  }
  const resolved: Partial<Record<GrantKind, true | readonly string[]>> = {};
  for (const kind of GRANT_KINDS) {
    const value = policy[kind] === undefined ? LEFT_OUT[kind] : policy[kind];
    if (value === undefined || value === false) {
      resolved[kind] = [];
    } else if (value === true) {
      resolved[kind] = true;
    } else if (
      Array.isArray(value) && value.every((item) => typeof item === "string" && item.length > 0)
    ) {
      resolved[kind] = PATH_KINDS.has(kind) ? value.map((item) => resolve(cwd, item)) : [...value];
    } else {
      throw new TypeError(
        `Cannot create host: allow.${kind} must be true, false or a list of non-empty strings; ` +
          `current value is ${JSON.stringify(value)}`,
      );
    }
  }
  return resolved as ResolvedPolicy;
}

/** Whether `path` is `base` or lies below it. */
export function isWithin(path: string, base: string): boolean {
  const rel = relative(base, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Whether a package entry (`npm:x`) covers a specifier or entry (`npm:x@1`, `npm:x/sub`). */
export function coversPackage(allowed: string, asked: string): boolean {
  return asked === allowed || asked.startsWith(`${allowed}@`) || asked.startsWith(`${allowed}/`);
}

/**
 * Whether the policy item `allowed` covers the manifest item `asked`: by
 * Deno's meaning of each kind (`itemCovers`), but for paths, which the policy
 * holds resolved (so `isWithin`), and packages, where a policy entry without
 * a version admits every version and subpath of the package.
 */
function covers(kind: GrantKind, allowed: string, asked: string): boolean {
  if (kind === "read" || kind === "write" || kind === "ffi") return isWithin(asked, allowed);
  if (kind === "imports") return coversPackage(allowed, asked);
  return itemCovers(kind, allowed, asked);
}

/** The items of one kind the manifest asks for. */
function askedFor(manifest: Manifest, kind: GrantKind): readonly string[] {
  if (kind === "imports") return manifest.imports;
  if (kind === "host") return manifest.host;
  return manifest.permissions[kind] || [];
}

/**
 * Computes a plugin's effective grant.
 *
 * @param manifest The plugin's parsed manifest.
 * @param dir The plugin's folder, absolute.
 * @param policy The host's resolved policy.
 * @returns Every kind with the items granted; `read` starts with `dir`.
 * @throws {PermissionDeniedError} Listing every item the policy does not allow.
 */
export function resolveGrant(
  manifest: Manifest,
  dir: string,
  policy: ResolvedPolicy,
): PermissionGrant {
  const denied: DeniedPermission[] = [];
  const grant: Partial<Record<GrantKind, string[]>> = {};
  for (const kind of GRANT_KINDS) {
    const asked = askedFor(manifest, kind);
    const allowed = policy[kind];
    const items: string[] = kind === "read" ? [dir] : [];
    for (const item of asked) {
      const value = PATH_KINDS.has(kind) ? resolve(dir, item) : item;
      const ownCode = kind === "read" && isWithin(value, dir);
      if (ownCode || allowed === true || allowed.some((rule) => covers(kind, rule, value))) {
        if (!items.includes(value)) items.push(value);
      } else if (!denied.some((entry) => entry.kind === kind && entry.value === item)) {
        denied.push({ kind, value: item, allow: value });
      }
    }
    grant[kind] = Object.freeze(items) as string[];
  }
  if (denied.length > 0) throw new PermissionDeniedError(manifest.name, denied);
  return Object.freeze(grant) as PermissionGrant;
}

/** Turns a grant into the `deno.permissions` option of a `Worker`: every kind named, nothing inherited. */
export function toWorkerPermissions(grant: PermissionGrant): Deno.PermissionOptionsObject {
  const list = (items: readonly string[]) => (items.length > 0 ? [...items] : false);
  return {
    read: list(grant.read),
    write: list(grant.write),
    net: list(grant.net),
    env: list(grant.env),
    run: list(grant.run),
    ffi: list(grant.ffi),
    sys: list(grant.sys),
    import: list(grant.import),
  };
}
