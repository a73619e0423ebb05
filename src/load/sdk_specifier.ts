/**
 * Which specifiers name the plugin SDK. Plugin authors write it as the bare
 * `@sandplug/host/plugin` of an import map, as JSR users do
 * (`jsr:@sandplug/host@^0.1/plugin`), or as the URL of the module itself.
 * Each tier gives every such spelling the one SDK module its runtime has
 * already evaluated: a plugin never loads an SDK of its own, and a module that
 * only claims the name (a file of the plugin, another version) is not it.
 *
 * @module
 */
import semver from "semver";

/** This package's version: what a JSR spelling's range must admit. Kept equal to deno.json's (tested). */
export const SDK_PACKAGE_VERSION = "0.1.0";

/** The URL of the SDK module the runtimes load before any plugin code. */
export const SDK_URL: string = new URL("../runtime/sdk.ts", import.meta.url).href;

/** The spelling of an import map, with no version. */
export const SDK_BARE = "@sandplug/host/plugin";

/** `jsr:@sandplug/host[@range]/plugin`, also with JSR's optional slash after the scheme. */
const JSR_SPELLING = /^jsr:\/?@sandplug\/host(?:@([^/]*))?\/plugin$/;

/** What a specifier is, as far as the SDK goes. */
export type SdkMatch =
  | { readonly kind: "sdk" }
  /** A JSR spelling whose version range this package's version does not satisfy. */
  | { readonly kind: "other-version"; readonly range: string }
  | { readonly kind: "not-sdk" };

const SDK: SdkMatch = Object.freeze({ kind: "sdk" });
const NOT_SDK: SdkMatch = Object.freeze({ kind: "not-sdk" });

/**
 * Whether `specifier`, as written in a plugin's module, names this package's
 * SDK: the bare spelling, a JSR spelling whose range admits
 * {@linkcode SDK_PACKAGE_VERSION}, or {@linkcode SDK_URL} itself.
 */
export function matchSdk(specifier: string): SdkMatch {
  if (specifier === SDK_BARE || specifier === SDK_URL) return SDK;
  const jsr = specifier.match(JSR_SPELLING);
  if (jsr === null) return NOT_SDK;
  const range = jsr[1];
  if (range === undefined || range === "") return SDK;
  const valid = semver.validRange(range) !== null;
  return valid && semver.satisfies(SDK_PACKAGE_VERSION, range)
    ? SDK
    : { kind: "other-version", range };
}

/**
 * Why a plugin's SDK spelling is refused: it asks for a version range this
 * host's package does not satisfy.
 */
export function otherVersionReason(range: string): string {
  return `it asks for the plugin SDK at ${JSON.stringify(range)}, but this host runs ` +
    `@sandplug/host ${SDK_PACKAGE_VERSION}, whose SDK every plugin gets; write a range that ` +
    `admits ${SDK_PACKAGE_VERSION} (e.g. "jsr:@sandplug/host@^${
      SDK_PACKAGE_VERSION.split(".").slice(0, 2).join(".")
    }/plugin") or load it with a matching host`;
}
