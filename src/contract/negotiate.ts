/**
 * Matching a plugin against the host's contracts: which version to use, and
 * whether the plugin's exports fit it.
 *
 * @module
 */
import type { Contract } from "./contract.ts";
import { IncompatiblePluginError } from "../errors/load_errors.ts";
import type { Manifest } from "../manifest/manifest.ts";
import type { SymbolInfo } from "../wire/protocol.ts";
import { compareDescending, satisfies } from "./version.ts";

/**
 * Picks the highest contract of the list that the plugin implements: its
 * `implements[name]` version falls in the contract's range.
 *
 * @throws {IncompatiblePluginError} Naming every contract tried and what the plugin declares.
 */
export function negotiateContract(manifest: Manifest, contracts: readonly Contract[]): Contract {
  const sorted = [...contracts].sort((a, b) => compareDescending(a.version, b.version));
  for (const contract of sorted) {
    const built = manifest.implements[contract.name];
    if (built !== undefined && satisfies(built, contract.range)) return contract;
  }
  const problems = sorted.map((contract) => {
    const built = manifest.implements[contract.name];
    return built === undefined
      ? `it does not implement contract "${contract.name}" (the host wants ${contract.range}); ` +
        `add "implements": { "${contract.name}": "${contract.version}" } to its plugin.json once it does`
      : `it implements "${contract.name}" ${built}, outside the host's range ${contract.range} ` +
        `for contract version ${contract.version}; rebuild the plugin against a version in range`;
  });
  throw new IncompatiblePluginError(manifest.name, problems);
}

/**
 * Checks that every symbol of the contract is exported with the right kind.
 *
 * @throws {IncompatiblePluginError} Listing every missing or mis-kinded symbol at once.
 */
export function checkSymbols(
  plugin: string,
  contract: Contract,
  symbols: readonly SymbolInfo[],
): void {
  const byName = new Map(symbols.map((symbol) => [symbol.name, symbol.kind]));
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(contract.symbols)) {
    const kind = byName.get(name);
    if (kind === undefined) {
      problems.push(
        `contract "${contract.name}" ${contract.version} needs ${spec.kind} "${name}", which it does not export`,
      );
    } else if (kind !== spec.kind) {
      problems.push(
        `contract "${contract.name}" ${contract.version} needs "${name}" to be a ${spec.kind}, but it is a ${kind}`,
      );
    }
  }
  if (problems.length > 0) throw new IncompatiblePluginError(plugin, problems);
}
