/**
 * The options and result of a hot reload, and the approval hook for upgrades
 * that widen a plugin's permissions.
 *
 * @module
 */
import type { PermissionDiff } from "../permissions/diff.ts";

/**
 * Decides whether a new version of a plugin may run with more than the
 * running one: it gets the permission diff (with the plugin's name and both
 * versions) and returns, or resolves to, `true` to approve. Narrowing never
 * asks. Given on `createHost()`, on a load, or on `reload()` itself; the most
 * specific one decides.
 */
export type UpgradeApproval = (
  diff: PermissionDiff,
  upgrade: { readonly plugin: string; readonly from: string; readonly to: string },
) => boolean | Promise<boolean>;

/** Options of {@linkcode Plugin.reload}. */
export interface ReloadOptions {
  /** Approves a new version that widens the grant; overrides the load's and the host's. */
  onUpgrade?: UpgradeApproval;
  /** Aborts the reload while the new version loads; the running version keeps serving. */
  signal?: AbortSignal;
  /** Deadline for the new version to load, in milliseconds; defaults to the load's. */
  timeoutMs?: number;
  /**
   * How long calls and streams still in flight on the old version may take
   * to finish before it is closed under them, in milliseconds. Defaults to the
   * plugin's call deadline: a call made before the swap ends by then anyway.
   */
  drainTimeoutMs?: number;
}

/** What a reload did. */
export interface ReloadResult {
  /** The version that was running. */
  readonly from: string;
  /** The version now running. */
  readonly to: string;
  /** The permission diff from the old grant to the new one. */
  readonly diff: PermissionDiff;
  /**
   * Settles (never rejects) once the old version has finished its calls and
   * streams in flight and was closed.
   */
  readonly drained: Promise<void>;
}
