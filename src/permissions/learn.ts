/**
 * Learn mode: from what a plugin did (Deno's permission audit, the host's
 * `denied` events), the smallest `permissions` of `plugin.json` that allows
 * it all.
 *
 * @module
 */
import { dirname } from "node:path";
import type { ManifestPermissions } from "../manifest/manifest.ts";
import { PERMISSION_KINDS, type PermissionKind } from "./permissions.ts";
import { byCodeUnit, itemCovers, PATH_KINDS } from "./items.ts";
import { KINDS, Learner } from "./learner.ts";

/**
 * One permission a plugin used or was refused: Deno's kind (`"read"`,
 * `"net"`…) and the item, or `undefined` when Deno checked the whole kind.
 */
export interface Access {
  /** The permission kind, as Deno names it. */
  readonly kind: string;
  /** The path, host, variable, program or sys name; `undefined` for the whole kind. */
  readonly value: string | undefined;
}

/** An access no `plugin.json` item can allow, and why. */
export interface UnresolvedAccess extends Access {
  /** Why, and what the plugin could do instead. */
  readonly reason: string;
}

/** Options of {@linkcode learnPermissions}. */
export interface LearnPermissionsOptions {
  /**
   * The manifest's current `permissions`: the result holds all they allow.
   *
   * @default {{}}
   */
  base?: ManifestPermissions;
  /**
   * Accesses to leave out, such as the runtime's own reads of the plugin's
   * code. It sees each access as learn mode reads it: paths absolute, a URL
   * turned into `host:port`.
   */
  ignore?: (access: Access) => boolean;
  /**
   * The folder relative paths in the accesses (and a relative `dir`) are
   * relative to: the plugin's working directory, which is the host's.
   *
   * @default {Deno.cwd()}
   */
  cwd?: string;
}

/** What {@linkcode learnPermissions} finds. */
export interface LearnedPermissions {
  /**
   * The smallest `permissions` that allows every access and everything
   * `base` did, ready to paste into `plugin.json`: kinds with items only,
   * items sorted, none covered by another.
   */
  readonly permissions: ManifestPermissions;
  /** The accesses no item can allow (once each, in the order first seen). */
  readonly unresolved: readonly UnresolvedAccess[];
}

/** Whether a folder above `path` is in `items`: a walk up, as logs can name thousands of files. */
function underListedFolder(path: string, items: ReadonlySet<string>): boolean {
  // "./a" climbs to "." (the plugin folder), "/a" to "/"; each then is its own dirname.
  for (let at = path, up = dirname(at); up !== at; at = up, up = dirname(at)) {
    if (items.has(up)) return true;
  }
  return false;
}

/** The items of one kind that no other item covers, sorted. */
function smallest(kind: PermissionKind, items: ReadonlySet<string>): string[] {
  const all = [...items].sort(byCodeUnit);
  if (PATH_KINDS.has(kind)) return all.filter((item) => !underListedFolder(item, items));
  return all.filter((item) =>
    !all.some((other) =>
      other !== item && itemCovers(kind, other, item) &&
      // Two items that cover each other are one: the first in order stays.
      (!itemCovers(kind, item, other) || byCodeUnit(other, item) < 0)
    )
  );
}

function checkBase(base: unknown): asserts base is ManifestPermissions {
  if (typeof base !== "object" || base === null || Array.isArray(base)) {
    throw new TypeError(
      `Cannot learn permissions: options.base must be a manifest's permissions object; ` +
        `current value is ${JSON.stringify(base)}`,
    );
  }
  for (const [kind, items] of Object.entries(base)) {
    if (!KINDS.has(kind)) {
      throw new TypeError(
        `Cannot learn permissions: options.base.${kind} is not a permission kind; ` +
          `use ${PERMISSION_KINDS.join(", ")}`,
      );
    }
    if (items !== undefined && items !== false && !Array.isArray(items)) {
      throw new TypeError(
        `Cannot learn permissions: options.base.${kind} must be false or a list; ` +
          `current value is ${JSON.stringify(items)}`,
      );
    }
  }
}

/**
 * Turns what a plugin did into the smallest `permissions` of `plugin.json`
 * that allows it all, merged with the manifest's current permissions, so a
 * plugin run in learn mode can be given exactly what it uses. Paths inside the
 * plugin folder come out relative (`"./data/x.json"`), others absolute; a
 * file under a folder that is already in the list is left out; hosts keep the
 * port they were reached on (`"127.0.0.1:8080"`), and a URL becomes its
 * `host:port`; programs, variables and sys names stay as the plugin named
 * them. An access no item can allow (a whole kind at once, a variable name a
 * manifest cannot hold, a kind plugin.json does not know) is not guessed at:
 * it is returned in `unresolved`, for the caller to show.
 *
 * @param dir The plugin folder.
 * @param accesses What the plugin used or was refused: {@linkcode parseAuditLines}'s records,
 * the host's `denied` events' `{ kind, value }`, or both.
 * @param options The manifest's current permissions, accesses to leave out, and the working directory.
 * @returns The permissions to write into `plugin.json`, and the accesses left unresolved.
 * @throws {TypeError} When `dir` is not a non-empty string, an access is not `{ kind, value }`,
 * or `options.base` is not a manifest's permissions object.
 *
 * @example Learn a manifest from a plugin's accesses
 * ```ts
 * import { learnPermissions } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const learned = learnPermissions("/plugins/p", [
 *   { kind: "read", value: "/plugins/p/data/words.json" },
 *   { kind: "read", value: "/etc/hostname" },
 *   { kind: "net", value: "127.0.0.1:8080" },
 *   { kind: "env", value: "HOME" },
 *   { kind: "env", value: undefined },
 * ], { base: { env: ["LANG"] } });
 * assert.deepEqual(learned.permissions, {
 *   read: ["./data/words.json", "/etc/hostname"],
 *   net: ["127.0.0.1:8080"],
 *   env: ["HOME", "LANG"],
 * });
 * assert.equal(learned.unresolved.length, 1);
 * ```
 */
export function learnPermissions(
  dir: string,
  accesses: Iterable<Access>,
  options: LearnPermissionsOptions = {},
): LearnedPermissions {
  if (typeof dir !== "string" || dir === "") {
    throw new TypeError(
      `Cannot learn permissions: dir must be the plugin folder; current value is ${
        JSON.stringify(dir)
      }`,
    );
  }
  const base = options.base ?? {};
  checkBase(base);
  let cwd = options.cwd;
  const learner = new Learner(dir, () => cwd ??= Deno.cwd(), options.ignore ?? (() => false));
  for (const kind of PERMISSION_KINDS) {
    for (const item of base[kind] || []) learner.addBase(kind, item);
  }
  for (const access of accesses) {
    const value = (access as { value?: unknown } | null)?.value;
    if (
      typeof access?.kind !== "string" ||
      (value !== undefined && value !== null && typeof value !== "string")
    ) {
      throw new TypeError(
        `Cannot learn permissions: each access must be { kind, value } with string values; ` +
          `current value is ${JSON.stringify(access)}`,
      );
    }
    learner.learn({ kind: access.kind, value: value ?? undefined });
  }
  const unresolved = learner.settle();
  const permissions: Record<string, string[]> = {};
  for (const kind of PERMISSION_KINDS) {
    const items = learner.items.get(kind);
    if (items !== undefined && items.size > 0) permissions[kind] = smallest(kind, items);
  }
  return Object.freeze({
    permissions: permissions as ManifestPermissions,
    unresolved: Object.freeze(unresolved),
  });
}
