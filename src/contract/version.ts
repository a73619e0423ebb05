/**
 * Versions: the wire protocol's, and how a host's contract versions are
 * matched against what a plugin says it implements.
 *
 * @module
 */
// @ts-types="@types/semver"
import semver from "semver";

export { PROTOCOL_VERSION } from "../wire/protocol_version.ts";

/** The range a contract accepts when it names none: `^<major>` of its own version. */
export function defaultRange(version: string): string {
  return `^${semver.major(version)}`;
}

/** Whether `version` is a valid semantic version such as `1.2.3`. */
export function isVersion(version: string): boolean {
  return semver.valid(version) !== null;
}

/** Whether `range` is a valid semver range such as `^1.2` or `>=1 <3`. */
export function isRange(range: string): boolean {
  return semver.validRange(range) !== null;
}

/** Whether `version` falls in `range`. */
export function satisfies(version: string, range: string): boolean {
  return semver.satisfies(version, range);
}

/** Sorts versions from highest to lowest. */
export function compareDescending(a: string, b: string): number {
  return semver.rcompare(a, b);
}
