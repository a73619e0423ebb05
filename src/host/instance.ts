/**
 * One running version of a plugin: its manifest, grant, contract, exports and
 * supervisor. A plugin handle holds one; a hot reload replaces it whole, so
 * that a call sees one version from start to end.
 *
 * @module
 */
import type { Contract } from "../contract/contract.ts";
import type { IsolationTier } from "../isolation/types.ts";
import type { Manifest } from "../manifest/manifest.ts";
import type { PermissionGrant } from "../permissions/permissions.ts";
import type { SymbolInfo } from "../wire/protocol.ts";
import { SymbolNotFoundError } from "../errors/errors.ts";
import { atMost } from "./limits.ts";
import type { Supervisor } from "./supervisor.ts";
import type { IsolationName } from "./types.ts";

/** One running version of a plugin. */
export interface Instance {
  readonly manifest: Manifest;
  readonly dir: string;
  readonly grant: PermissionGrant;
  /**
   * The grant before the tier resolved its packages to exact versions: what
   * a reload compares, so that a dependency's new patch release alone does not
   * count as widening (the lock pins exact versions).
   */
  readonly declared: PermissionGrant;
  readonly isolation: IsolationName;
  readonly contract: Contract | undefined;
  readonly symbols: readonly SymbolInfo[];
  readonly kinds: ReadonlyMap<string, SymbolInfo["kind"]>;
  readonly supervisor: Supervisor;
  /** The call deadline: the host's, shortened by the manifest's own. */
  readonly callTimeoutMs: number;
  /** The tier's call without messages, when its isolates hand out their exports. */
  readonly callDirect: IsolationTier["callDirect"];
}

/** What the host knows of a started version. */
export interface InstanceParts {
  manifest: Manifest;
  dir: string;
  grant: PermissionGrant;
  declared: PermissionGrant;
  isolation: IsolationName;
  contract: Contract | undefined;
  symbols: readonly SymbolInfo[];
  supervisor: Supervisor;
  /** The host's call deadline. */
  callTimeoutMs: number;
  callDirect: IsolationTier["callDirect"];
}

/** A started version, with its exports frozen and indexed by name. */
export function makeInstance(parts: InstanceParts): Instance {
  const symbols = Object.freeze(parts.symbols.map((symbol) => Object.freeze({ ...symbol })));
  return {
    manifest: parts.manifest,
    dir: parts.dir,
    grant: parts.grant,
    declared: parts.declared,
    isolation: parts.isolation,
    contract: parts.contract,
    symbols,
    kinds: new Map(symbols.map((symbol) => [symbol.name, symbol.kind])),
    supervisor: parts.supervisor,
    // The manifest may only shorten the host's deadline: it is the plugin's word, not the host's.
    callTimeoutMs: atMost(parts.manifest.limits.callTimeoutMs, parts.callTimeoutMs),
    callDirect: parts.callDirect,
  };
}

/**
 * The kind of the export `name` of a version.
 *
 * @throws {TypeError} When `name` is not a string.
 * @throws {SymbolNotFoundError} When the version exports no such symbol; names those it does.
 */
export function kindIn(at: Instance, name: string): SymbolInfo["kind"] {
  if (typeof name !== "string") {
    throw new TypeError(
      `Cannot look up a symbol: name must be a string; current value is ${String(name)}`,
    );
  }
  const kind = at.kinds.get(name);
  if (kind === undefined) {
    throw new SymbolNotFoundError(at.manifest.name, name, [...at.kinds.keys()]);
  }
  return kind;
}
