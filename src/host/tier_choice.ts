/**
 * Which tier a plugin runs in, and whether that tier can hold it to its
 * grant and limits. The host knows tiers only through `IsolationTier`: what
 * they enforce, and each tier's own rules through its `checkGrant` hook.
 *
 * @module
 */
import { PluginLoadError } from "../errors/errors.ts";
import type { IsolationTier } from "../isolation/types.ts";
import type { PermissionGrant } from "../permissions/permissions.ts";
import type { Prepared } from "./prepare.ts";

/** From least to most isolated: a manifest may raise its plugin's tier, never lower it. */
const ISOLATION_RANK: Readonly<Record<string, number>> = { inline: 0, worker: 1, process: 2 };

/** What the host's options say about tiers. */
export interface TierRules {
  /** Every tier the host can run plugins in, by name. */
  readonly tiers: Readonly<Record<string, IsolationTier>>;
  /** Whether the inline tier may be used at all. */
  readonly allowInline: boolean;
}

/**
 * The kinds in a grant beyond reading the plugin's own folder: what only a
 * sandbox can enforce. Host functions are not among them: the host answers
 * every host call itself, so even the inline tier holds a plugin to its list.
 */
function grantedBeyondOwnFolder(grant: PermissionGrant): string[] {
  return Object.entries(grant)
    .filter(([kind, items]) => kind !== "host" && items.length > (kind === "read" ? 1 : 0))
    .map(([kind, items]) =>
      `${kind === "imports" ? "imports" : `permissions.${kind}`} ${JSON.stringify(items)}`
    );
}

/** The tier's name for a load that asked for `requested`, raised to what the manifest asks. */
function tierName(prepared: Prepared, requested: string, rules: TierRules): string {
  const { manifest } = prepared;
  if (!Object.hasOwn(rules.tiers, requested)) {
    throw new RangeError(
      `Cannot load plugin "${manifest.name}": isolation ${
        JSON.stringify(requested)
      } is not a tier; use one of: ${Object.keys(rules.tiers).join(", ")}`,
    );
  }
  // Compiled-in code is the host's own: it has no folder a sandbox could load it from.
  if (prepared.module !== undefined) return "inline";
  const rank = (name: string) => ISOLATION_RANK[name] ?? 0;
  const asked = manifest.isolation;
  return asked !== undefined && rank(asked) > rank(requested) && Object.hasOwn(rules.tiers, asked)
    ? asked
    : requested;
}

/**
 * The tier asked for, raised to the manifest's `isolation` when it asks for
 * more, then checked against what the plugin needs.
 *
 * @throws {RangeError} When `requested` is not a tier of the host.
 * @throws {PluginLoadError} When the tier is forbidden or cannot hold the plugin to its grant or limits.
 */
export function chooseTier(prepared: Prepared, requested: string, rules: TierRules): IsolationTier {
  const { manifest, grant } = prepared;
  const name = tierName(prepared, requested, rules);
  const tier = rules.tiers[name];
  if (tier === undefined) {
    throw new PluginLoadError(
      manifest.name,
      `this host has no ${name} tier; use one of: ${Object.keys(rules.tiers).join(", ")}`,
    );
  }
  if (tier.name === "inline" && !rules.allowInline) {
    throw new PluginLoadError(
      manifest.name,
      'this host forbids the inline tier (allowInline: false); load it with isolation: "process" or "worker"',
    );
  }
  const unenforced = tier.enforces.permissions ? [] : grantedBeyondOwnFolder(grant);
  if (unenforced.length > 0) {
    throw new PluginLoadError(
      manifest.name,
      `the ${tier.name} tier cannot enforce its grant (${unenforced.join(", ")}); ` +
        'load it with isolation: "process" (or "worker")',
    );
  }
  if (manifest.limits.memoryMb !== undefined && !tier.enforces.memoryLimit) {
    throw new PluginLoadError(
      manifest.name,
      `the ${tier.name} tier cannot enforce limits.memoryMb (${manifest.limits.memoryMb}); ` +
        'load it with isolation: "process"',
    );
  }
  const refused = tier.checkGrant?.(grant);
  if (refused !== undefined) throw new PluginLoadError(manifest.name, refused);
  return tier;
}
