/**
 * The error of a reload the host would not take: the new version widens what
 * the plugin may do without approval, or no longer fits its contract.
 *
 * @module
 */
import type { PermissionDiff } from "../permissions/diff.ts";
import { PluginError, type PluginErrorOptions } from "./plugin_error.ts";

/** Why a reload was refused. */
export type UpgradeRefusal = "widens" | "contract" | "name";

/**
 * A reload was refused; the old version keeps serving. `reason` says why:
 * `"widens"` when the new grant allows what the old one did not and nothing
 * approved it (`onUpgrade` on the reload, the load or the host), `"contract"`
 * when the new version no longer satisfies the contract the plugin was loaded
 * with, `"name"` when the folder now holds another plugin. `diff` is the
 * permission diff from the running version to the new one.
 *
 * @example Tell a refused upgrade by its diff
 * ```ts
 * import { diffPermissions, UpgradeRefusedError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const diff = diffPermissions({ read: ["./data"] }, { read: ["./data"], net: ["example.com"] });
 * const error = new UpgradeRefusedError("greeter", "1.0.0", "1.1.0", "widens", diff);
 * assert.equal(error.code, "UPGRADE_REFUSED");
 * assert.equal(error.diff.widens, true);
 * assert.match(error.message, /widens its permissions: net \+example\.com/);
 * ```
 */
export class UpgradeRefusedError extends PluginError {
  /** Always "UPGRADE_REFUSED". */
  override readonly code = "UPGRADE_REFUSED";
  /** The running version, which keeps serving. */
  readonly from: string;
  /** The version that was refused. */
  readonly to: string;
  /** Why it was refused. */
  readonly reason: UpgradeRefusal;
  /** The permission diff from the running version to the refused one. */
  readonly diff: PermissionDiff;

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param from The running version.
   * @param to The refused version.
   * @param reason Why it was refused.
   * @param diff The permission diff from `from` to `to`.
   * @param options The cause (e.g. the contract's `IncompatiblePluginError`); `declined` when an `onUpgrade` said no.
   */
  constructor(
    plugin: string,
    from: string,
    to: string,
    reason: UpgradeRefusal,
    diff: PermissionDiff,
    options: Omit<PluginErrorOptions, "plugin"> & { declined?: boolean } = {},
  ) {
    const { declined, ...rest } = options;
    super(
      `Cannot reload plugin "${plugin}" ${from} as ${to}: ${
        why(reason, diff, rest.cause, declined)
      }`,
      { ...rest, plugin },
    );
    this.name = "UpgradeRefusedError";
    this.from = from;
    this.to = to;
    this.reason = reason;
    this.diff = diff;
  }
}

function why(
  reason: UpgradeRefusal,
  diff: PermissionDiff,
  cause: unknown,
  declined: boolean | undefined,
): string {
  if (reason === "contract") {
    const detail = cause instanceof Error ? `: ${cause.message}` : "";
    return `it no longer satisfies the contract it was loaded with${detail}; ` +
      "the running version keeps serving. Fix the new version, or load it anew with another contract";
  }
  if (reason === "name") {
    return "its folder now holds another plugin; the running version keeps serving. " +
      "Load the other plugin with host.load() instead";
  }
  const widening = `it widens its permissions: ${describeWidening(diff)}`;
  if (declined) {
    return `${widening}, and onUpgrade declined it; the running version keeps serving`;
  }
  return `${widening}; the running version keeps serving. Approve widening with onUpgrade ` +
    "(on createHost(), the load, or reload() itself), or narrow the manifest";
}

/** The added items of each kind that widens, e.g. `net +example.com, read +/data`. */
function describeWidening(diff: PermissionDiff): string {
  const parts = Object.entries(diff.kinds)
    .filter(([, change]) => change.widens)
    .map(([kind, change]) =>
      `${kind} ${
        change.added.length > 0 ? change.added.map((item) => `+${item}`).join(" ") : "(all)"
      }`
    );
  return parts.length > 0 ? parts.join(", ") : "(no detail)";
}
