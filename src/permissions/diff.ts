/**
 * What changes between two sets of permissions, kind by kind, and whether the
 * second lets a plugin do anything the first did not. Reload refuses an
 * upgrade that widens; the lock and the CLI show the same diff.
 *
 * @module
 */
import { resolve } from "node:path";
import type { Manifest } from "../manifest/manifest.ts";
import { PERMISSION_KINDS, type PermissionKind } from "./permissions.ts";
import { byCodeUnit, itemCovers, normalizeItem, PATH_KINDS } from "./items.ts";

type Kind = PermissionKind | "imports" | "host";

const KINDS: readonly Kind[] = [...PERMISSION_KINDS, "imports", "host"];

/** How a kind given as `true` (everything of that kind) shows among the items. */
const EVERYTHING = "*";

/**
 * Permissions in any of the shapes sandplug shows them: a plugin's grant
 * (`p.permissions`, paths absolute), a manifest's `permissions` (paths
 * relative to the plugin folder, each kind `false` or a list), or a host
 * policy (`true` for everything of a kind). A kind left out, `false` or `[]`
 * allows nothing.
 */
export type PermissionSet = {
  readonly [K in PermissionKind | "imports" | "host"]?: boolean | readonly string[];
};

/** The changes of one kind in a {@linkcode PermissionDiff}. */
export interface KindChange {
  /** Items only `after` holds, sorted; `"*"` stands for a kind given as `true`. */
  readonly added: readonly string[];
  /** Items only `before` holds, sorted. */
  readonly removed: readonly string[];
  /** Whether an added item allows something no item of `before` allowed. */
  readonly widens: boolean;
}

/** What {@linkcode diffPermissions} finds. */
export interface PermissionDiff {
  /** Whether `after` allows anything `before` did not, in any kind. */
  readonly widens: boolean;
  /** The kinds that changed, in the order of `PERMISSION_KINDS`, then `imports` and `host`. */
  readonly kinds: { readonly [K in PermissionKind | "imports" | "host"]?: KindChange };
}

/** Options of {@linkcode diffPermissions}. */
export interface DiffPermissionsOptions {
  /**
   * The plugin folder that relative paths (a manifest's) are relative to. With
   * it they are made absolute, so a manifest compares with a grant; without
   * it they are compared as written (normalized), and a relative path never
   * covers an absolute one or the reverse.
   */
  dir?: string;
}

/** One side's items by kind, each a set of normalized items, or `true` for everything. */
type Side = ReadonlyMap<Kind, true | ReadonlySet<string>>;

function isManifest(value: object): value is Manifest {
  const permissions = (value as { permissions?: unknown }).permissions;
  return typeof permissions === "object" && permissions !== null;
}

function readSide(name: string, value: PermissionSet | Manifest, dir: string | undefined): Side {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(
      `Cannot diff permissions: ${name} must be a grant, a manifest or its permissions; ` +
        `current value is ${
          value === null ? "null" : Array.isArray(value) ? "an array" : typeof value
        }`,
    );
  }
  const set: Record<string, unknown> = isManifest(value)
    ? { ...value.permissions, imports: value.imports, host: value.host }
    : { ...value };
  for (const key of Object.keys(set)) {
    if (!(KINDS as readonly string[]).includes(key)) {
      throw new TypeError(
        `Cannot diff permissions: ${name}.${key} is not a permission kind; use ${KINDS.join(", ")}`,
      );
    }
  }
  const side = new Map<Kind, true | ReadonlySet<string>>();
  for (const kind of KINDS) {
    const items = set[kind];
    if (items === undefined || items === false) continue;
    if (items === true) {
      side.set(kind, true);
      continue;
    }
    if (!Array.isArray(items) || !items.every((item) => typeof item === "string" && item !== "")) {
      throw new TypeError(
        `Cannot diff permissions: ${name}.${kind} must be false, true or a list of non-empty ` +
          `strings; current value is ${JSON.stringify(items)}`,
      );
    }
    const resolved = PATH_KINDS.has(kind) && dir !== undefined
      ? items.map((item: string) => resolve(dir, item))
      : items as string[];
    if (resolved.length > 0) side.set(kind, new Set(resolved.map((i) => normalizeItem(kind, i))));
  }
  return side;
}

function diffKind(
  kind: Kind,
  before: true | ReadonlySet<string> | undefined,
  after: true | ReadonlySet<string> | undefined,
): KindChange | undefined {
  const list = (items: true | ReadonlySet<string> | undefined): string[] =>
    items === undefined ? [] : items === true ? [EVERYTHING] : [...items];
  const old = list(before);
  const now = list(after);
  const added = now.filter((item) => !old.includes(item)).sort(byCodeUnit);
  const removed = old.filter((item) => !now.includes(item)).sort(byCodeUnit);
  if (added.length === 0 && removed.length === 0) return undefined;
  let widens: boolean;
  if (before === true) widens = false;
  else if (after === true) widens = true;
  else {
    widens = added.some((item) => !old.some((allowed) => itemCovers(kind, allowed, item)));
  }
  return Object.freeze({ added: Object.freeze(added), removed: Object.freeze(removed), widens });
}

/**
 * Compares two sets of permissions kind by kind: the items added and removed,
 * and whether `after` widens `before`, that is allows anything it did not: a
 * kind it denied, or an item no old item covers. Covering follows Deno's
 * meaning of each kind: a path holds everything below it, a host without a
 * port every port (`*.example.com` every name below example.com), `"APP_*"`
 * every variable with that prefix, a package entry every version its range
 * admits and every subpath below its own. Narrowing never widens, and two
 * spellings of one item (`"./data/"`, `"data"`) are the same item.
 *
 * @param before The permissions held now: a grant, a manifest or its `permissions`, or a policy.
 * @param after The permissions asked for next, in any of the same shapes.
 * @param options Where relative paths are relative to.
 * @returns The changed kinds only, each with sorted items; `widens` for each and overall.
 * @throws {TypeError} When a side is not such an object, names an unknown kind, or holds a
 * kind that is not `false`, `true` or a list of non-empty strings.
 *
 * @example Tell a widening upgrade from a narrowing one
 * ```ts
 * import { diffPermissions } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const before = { read: ["./data"], net: ["example.com"] };
 * const narrower = diffPermissions(before, { read: ["./data/cache"], net: ["example.com:443"] });
 * assert.equal(narrower.widens, false);
 * assert.deepEqual(narrower.kinds.net, { added: ["example.com:443"], removed: ["example.com"], widens: false });
 *
 * const wider = diffPermissions(before, { read: ["./data"], net: ["example.com"], env: ["HOME"] });
 * assert.equal(wider.widens, true);
 * assert.deepEqual(Object.keys(wider.kinds), ["env"]);
 * assert.deepEqual(diffPermissions(before, before), { widens: false, kinds: {} });
 * ```
 */
export function diffPermissions(
  before: PermissionSet | Manifest,
  after: PermissionSet | Manifest,
  options: DiffPermissionsOptions = {},
): PermissionDiff {
  const dir = options.dir;
  if (dir !== undefined && (typeof dir !== "string" || dir === "")) {
    throw new TypeError(
      `Cannot diff permissions: options.dir must be a non-empty path; current value is ${
        JSON.stringify(dir)
      }`,
    );
  }
  const old = readSide("before", before, dir);
  const now = readSide("after", after, dir);
  const kinds: { [K in Kind]?: KindChange } = {};
  let widens = false;
  for (const kind of KINDS) {
    const change = diffKind(kind, old.get(kind), now.get(kind));
    if (change === undefined) continue;
    kinds[kind] = change;
    widens ||= change.widens;
  }
  return Object.freeze({ widens, kinds: Object.freeze(kinds) });
}
