/**
 * The parts of a package specifier: `npm:@scope/name@^1.2/sub/path.js` is
 * the package `npm:@scope/name`, the version `^1.2` and the subpath
 * `/sub/path.js`. Bare names (`lodash`, `@scope/name`) have no scheme.
 *
 * @module
 */

/** A package specifier, taken apart. */
export interface PackageParts {
  /** The scheme and name, e.g. `npm:@scope/name` (JSR's optional slash after `jsr:` dropped). */
  readonly name: string;
  /** The version or range as written, or undefined when none is. */
  readonly version?: string;
  /** What follows the package, e.g. `/sub/path.js`, or "". */
  readonly subpath: string;
}

const PACKAGE = /^(?:(npm:|jsr:)\/?)?((?:@[^/@:]+\/)?[^/@:]+)(?:@([^/]*))?(\/.*)?$/;

/** The parts of `specifier`, or undefined when it is not a package specifier. */
export function parsePackage(specifier: string): PackageParts | undefined {
  const match = specifier.match(PACKAGE);
  if (match === null) return undefined;
  const [, scheme, name, version, subpath] = match;
  return { name: `${scheme ?? ""}${name}`, version: version || undefined, subpath: subpath ?? "" };
}

/**
 * Whether code that writes `spelling` stays within the package entry
 * `declared`: the same package, and no version other than the declared one
 * (an unversioned spelling takes the declared version).
 */
export function declaredCovers(declared: string, spelling: string): boolean {
  const entry = parsePackage(declared);
  const used = parsePackage(spelling);
  if (entry === undefined || used === undefined || entry.name !== used.name) return false;
  if (used.version !== undefined && entry.version !== undefined && used.version !== entry.version) {
    return false;
  }
  // An entry naming a subpath covers that subpath and what lies under it.
  return entry.subpath === "" || used.subpath === entry.subpath ||
    used.subpath.startsWith(`${entry.subpath}/`);
}
