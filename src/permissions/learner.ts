/**
 * Learn mode's reading of accesses: each turned into a manifest item (a
 * path relative to the plugin folder or absolute, a URL into `host:port`), or
 * set aside with the reason no item can allow it.
 *
 * @module
 */
import { isAbsolute, relative, resolve, sep } from "node:path";
import { tryParseManifest } from "../manifest/manifest.ts";
import { isWithin, PERMISSION_KINDS, type PermissionKind } from "./permissions.ts";
import { normalizeItem, normalizePath, PATH_KINDS } from "./items.ts";
import type { Access, UnresolvedAccess } from "./learn.ts";

/** The kinds a manifest's `permissions` names. */
export const KINDS: ReadonlySet<string> = new Set(PERMISSION_KINDS);

const DEFAULT_PORTS: Readonly<Record<string, string>> = {
  "http:": "80",
  "https:": "443",
  "ws:": "80",
  "wss:": "443",
};

/** `host:port` of a URL Deno logged for a fetch or a WebSocket, its scheme's port when it names none. */
function urlHost(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const port = url.port || DEFAULT_PORTS[url.protocol];
  if (url.hostname === "") return undefined;
  return port === undefined ? url.hostname : `${url.hostname}:${port}`;
}

/** The manifest's spelling of an absolute path: `./x` inside the plugin folder, else absolute. */
function spellPath(path: string, dir: string): string {
  if (!isWithin(path, dir)) return normalizePath(path);
  const rel = relative(dir, path);
  return rel === "" ? "." : `./${rel.split(sep).join("/")}`;
}

/** Why `item` cannot be written in plugin.json as an item of `kind`, or undefined when it can. */
function invalidItem(kind: PermissionKind, item: string): string | undefined {
  const result = tryParseManifest({
    name: "learned",
    version: "1.0.0",
    permissions: { [kind]: [item] },
  });
  if (result.success) return undefined;
  // The schema's message names the item and the rule, as it would for a hand-written manifest.
  return `plugin.json cannot hold it: ${
    result.error.issues[0]?.message ?? `${JSON.stringify(item)} is not a valid ${kind} item`
  }`;
}

/** Whether plugin.json can hold every item of `items` as items of `kind`: one parse for a whole log. */
function allValid(kind: PermissionKind, items: readonly string[]): boolean {
  return tryParseManifest({ name: "learned", version: "1.0.0", permissions: { [kind]: items } })
    .success;
}

/** An access not yet checked against the manifest schema, with its place in the input. */
interface Pending {
  readonly access: Access;
  readonly order: number;
}

/**
 * Reads accesses into manifest items, kind by kind. {@linkcode Learner.learn}
 * takes each access; {@linkcode Learner.settle} then checks the new items
 * against the manifest schema, all of a kind at once.
 */
export class Learner {
  readonly items = new Map<PermissionKind, Set<string>>();
  readonly #pending = new Map<PermissionKind, Map<string, Pending>>();
  readonly #unresolved: (UnresolvedAccess & { order: number })[] = [];
  readonly #seen = new Set<string>();
  readonly #dir: string;
  readonly #cwd: () => string;
  readonly #ignore: (access: Access) => boolean;

  constructor(dir: string, cwd: () => string, ignore: (access: Access) => boolean) {
    this.#cwd = cwd;
    this.#dir = isAbsolute(dir) ? resolve(dir) : resolve(cwd(), dir);
    this.#ignore = ignore;
  }

  /** Adds an item of the manifest's `base`; a path is absolute or relative to the plugin folder. */
  addBase(kind: PermissionKind, item: string): void {
    this.#add(
      kind,
      PATH_KINDS.has(kind)
        ? spellPath(resolve(this.#dir, item), this.#dir)
        : normalizeItem(kind, item),
    );
  }

  /** Takes one access: an item to check in {@linkcode Learner.settle}, or an unresolved access. */
  learn(access: Access): void {
    const key = `${access.kind}\0${access.value ?? ""}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    const order = this.#seen.size;
    const { kind, value } = access;
    if (!KINDS.has(kind)) {
      return this.#unresolve(access, order, `"${kind}" is not a permission plugin.json can grant`);
    }
    if (value === undefined || value === "") {
      return this.#unresolve(
        access,
        order,
        `Deno checked all of "${kind}" at once (as Deno.env.toObject() does), and plugin.json ` +
          `grants items only; have the plugin ask for each item by name`,
      );
    }
    const item = this.#read(kind as PermissionKind, value);
    if (item === undefined) {
      return this.#unresolve(access, order, `${JSON.stringify(value)} is neither a host nor a URL`);
    }
    if (this.#ignore({ kind, value: item })) return;
    const spelt = PATH_KINDS.has(kind) ? spellPath(item, this.#dir) : item;
    let pending = this.#pending.get(kind as PermissionKind);
    if (pending === undefined) this.#pending.set(kind as PermissionKind, pending = new Map());
    if (!pending.has(spelt)) pending.set(spelt, { access, order });
  }

  /** Adds the learned items plugin.json can hold, and returns the accesses it cannot, in input order. */
  settle(): UnresolvedAccess[] {
    for (const [kind, pending] of this.#pending) {
      const items = [...pending.keys()];
      const valid = allValid(kind, items);
      for (const item of items) {
        const invalid = valid ? undefined : invalidItem(kind, item);
        if (invalid === undefined) this.#add(kind, item);
        else this.#unresolve(pending.get(item)!.access, pending.get(item)!.order, invalid);
      }
    }
    this.#pending.clear();
    return this.#unresolved.sort((a, b) => a.order - b.order)
      .map(({ kind, value, reason }) => ({ kind, value, reason }));
  }

  #add(kind: PermissionKind, spelt: string): void {
    let set = this.items.get(kind);
    if (set === undefined) this.items.set(kind, set = new Set());
    set.add(spelt);
  }

  /** The access's item as learn mode reads it: paths absolute, URLs as `host:port`. */
  #read(kind: PermissionKind, value: string): string | undefined {
    if (PATH_KINDS.has(kind)) {
      return normalizePath(isAbsolute(value) ? value : resolve(this.#cwd(), value));
    }
    if (kind !== "net" && kind !== "import") return value;
    const host = value.includes("://") ? urlHost(value) : normalizeItem(kind, value);
    // The load check matches a remote import's host as its URL spells it: the https port unwritten.
    return kind === "import" && host?.endsWith(":443") ? host.slice(0, -4) : host;
  }

  #unresolve(access: Access, order: number, reason: string): void {
    this.#unresolved.push({ kind: access.kind, value: access.value, reason, order });
  }
}
