/**
 * How a plugin differs from its lock entry, file by file, package by package
 * and permission kind by kind.
 *
 * @module
 */
import type { IntegrityChange, LockedPackage } from "../errors/integrity_error.ts";
import type { LockEntry } from "./lock_file.ts";
import { parsePackage } from "./package_specifier.ts";

/** Every key of either record, sorted. */
function keysOf(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>) {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

function fileChanges(locked: LockEntry, found: LockEntry): IntegrityChange[] {
  const changes: IntegrityChange[] = [];
  for (const path of keysOf(locked.files, found.files)) {
    const before = locked.files[path];
    const after = found.files[path];
    if (before === after) continue;
    const change = before === undefined ? "added" : after === undefined ? "removed" : "changed";
    changes.push({ path, change });
  }
  return changes;
}

/** The packages of an entry, by package name (`npm:marked`): one name may come in several versions. */
function byName(packages: Readonly<Record<string, string | null>>): Map<string, LockedPackage[]> {
  const names = new Map<string, LockedPackage[]>();
  for (const specifier of Object.keys(packages).sort()) {
    const name = parsePackage(specifier)?.name ?? specifier;
    const list = names.get(name) ?? [];
    list.push({ specifier, integrity: packages[specifier] });
    names.set(name, list);
  }
  return names;
}

/**
 * Packages compared by name, so that a new version reads as one package
 * changed rather than one removed and another added; a name held in several
 * versions on either side is compared version by version.
 */
function packageChanges(locked: LockEntry, found: LockEntry): IntegrityChange[] {
  const before = byName(locked.packages);
  const after = byName(found.packages);
  const changes: IntegrityChange[] = [];
  for (const name of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const was = before.get(name) ?? [];
    const now = after.get(name) ?? [];
    const same = (a: LockedPackage, b: LockedPackage) =>
      a.specifier === b.specifier && a.integrity === b.integrity;
    const gone = was.filter((a) => !now.some((b) => same(a, b)));
    const come = now.filter((b) => !was.some((a) => same(a, b)));
    if (gone.length === 1 && come.length === 1) {
      changes.push({ package: name, change: "changed", from: gone[0], to: come[0] });
      continue;
    }
    for (const from of gone) changes.push({ package: name, change: "removed", from });
    for (const to of come) changes.push({ package: name, change: "added", to });
  }
  return changes;
}

/**
 * The grant kind by kind. `imports` is left out: the packages it names are
 * compared above, with their integrity.
 */
function grantChanges(locked: LockEntry, found: LockEntry): IntegrityChange[] {
  const changes: IntegrityChange[] = [];
  for (const kind of keysOf(locked.grant, found.grant)) {
    if (kind === "imports") continue;
    const before = locked.grant[kind];
    const after = found.grant[kind];
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    const change = before === undefined ? "added" : after === undefined ? "removed" : "changed";
    changes.push({ permission: kind, change });
  }
  return changes;
}

/**
 * Every difference between what the lock holds and what the plugin is now:
 * files, then packages, then permission kinds, each sorted by name.
 *
 * @param locked The lock's entry.
 * @param found The entry the plugin would have now.
 */
export function compareEntries(locked: LockEntry, found: LockEntry): IntegrityChange[] {
  return [
    ...fileChanges(locked, found),
    ...packageChanges(locked, found),
    ...grantChanges(locked, found),
  ];
}
