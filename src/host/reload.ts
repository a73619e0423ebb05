/**
 * Hot reload: the plugin's folder loaded again beside the running version,
 * with every check a load makes, then swapped in. The old version finishes
 * what it has in flight and is closed; the handle stays the same object.
 *
 * @module
 */
import {
  HostClosedError,
  IncompatiblePluginError,
  PluginClosedError,
  PluginError,
} from "../errors/errors.ts";
import type { Contract } from "../contract/contract.ts";
import type { Manifest } from "../manifest/manifest.ts";
import { UpgradeRefusedError } from "../errors/upgrade_errors.ts";
import { diffPermissions, type PermissionDiff } from "../permissions/diff.ts";
import type { HostEventMap } from "./events.ts";
import type { Instance } from "./instance.ts";
import type { PluginHandle } from "./plugin.ts";
import type { Plan } from "./prepare.ts";
import type { ReloadOptions, ReloadResult, UpgradeApproval } from "./reload_types.ts";
import { approval as checkedApproval } from "./settings.ts";
import type { Supervisor } from "./supervisor.ts";
import { positiveOption } from "../errors/options.ts";

/** What a reload needs from its host. */
export interface ReloadSteps {
  /** The load's checks again, on the folder as it is now (the contracts, tier and provide of the load). */
  plan(signal: AbortSignal): Promise<Plan>;
  /** The contract the new version satisfies, of the load's. */
  negotiate(manifest: Manifest): Contract | undefined;
  /** Starts the planned version, with the load's options but this deadline. */
  start(plan: Plan, signal: AbortSignal, timeoutMs: number | undefined): Promise<Instance>;
  /** Reports the new version's supervisor events as the plugin's. */
  report(supervisor: Supervisor): void;
  /** The approval of widening in force: the reload's, else the load's, else the host's. */
  approval: UpgradeApproval | undefined;
  emit<K extends "reload" | "upgrade-refused" | "reload-failed">(
    type: K,
    detail: HostEventMap[K]["detail"],
  ): void;
  hostClosed(): boolean;
}

/**
 * Reloads `handle` from its folder. Resolves once new calls go to the new
 * version; `drained` settles once the old one is closed.
 *
 * @throws {UpgradeRefusedError} When the new version widens the grant unapproved, no longer
 * fits the contract, or is another plugin.
 * @throws {PluginError} What the load of the new version threw (manifest, imports, packages,
 * start); the running version keeps serving in every case.
 */
export async function reloadPlugin(
  handle: PluginHandle,
  options: ReloadOptions,
  steps: ReloadSteps,
): Promise<ReloadResult> {
  const plugin = handle.name;
  try {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot reload plugin "${plugin}": options must be an object; current value is ${
          String(options)
        }`,
      );
    }
    checkedApproval(options.onUpgrade, `reload plugin "${plugin}"`);
    if (steps.hostClosed()) throw new HostClosedError("reload plugin");
    const signal = AbortSignal.any(
      [handle.closedSignal, options.signal].filter((s): s is AbortSignal => s !== undefined),
    );
    signal.throwIfAborted();
    const old = handle.current;
    const planned = await steps.plan(signal);
    const diff = diffPermissions(old.declared, planned.declared);
    const to = planned.prepared.manifest.version;
    const unfit = (cause: unknown) =>
      new UpgradeRefusedError(plugin, old.manifest.version, to, "contract", diff, { cause });
    await admit(plugin, old, planned, diff, steps.approval);
    let plan: Plan;
    try {
      plan = { ...planned, contract: steps.negotiate(planned.prepared.manifest) };
    } catch (error) {
      throw error instanceof IncompatiblePluginError ? unfit(error) : error;
    }
    const next = await steps.start(plan, signal, options.timeoutMs).catch((error) => {
      // Its exports no longer match the contract's symbols.
      throw error instanceof IncompatiblePluginError ? unfit(error) : error;
    });
    if (signal.aborted || steps.hostClosed()) {
      await next.supervisor.close();
      throw handle.closed ? new PluginClosedError(plugin, "reload") : signal.reason;
    }
    steps.report(next.supervisor);
    const drainMs = positiveOption(
      `reload plugin "${plugin}"`,
      "drainTimeoutMs",
      options.drainTimeoutMs,
      old.callTimeoutMs,
    );
    const drained = handle.swap(next, drainMs);
    const result = { from: old.manifest.version, to: next.manifest.version, diff, drained };
    steps.emit("reload", { plugin, from: result.from, to: result.to, diff });
    return result;
  } catch (error) {
    if (error instanceof UpgradeRefusedError) {
      steps.emit("upgrade-refused", {
        plugin,
        from: error.from,
        to: error.to,
        diff: error.diff,
        error,
      });
    } else if (error instanceof PluginError) {
      steps.emit("reload-failed", { plugin, error });
    }
    throw error;
  }
}

/** Refuses a new version that is another plugin, breaks the contract, or widens unapproved. */
async function admit(
  plugin: string,
  old: Instance,
  plan: Plan,
  diff: PermissionDiff,
  approval: UpgradeApproval | undefined,
): Promise<void> {
  const from = old.manifest.version;
  const { manifest } = plan.prepared;
  if (manifest.name !== plugin) {
    throw new UpgradeRefusedError(plugin, from, manifest.version, "name", diff);
  }
  if (!diff.widens) return;
  const upgrade = { plugin, from, to: manifest.version };
  if (approval === undefined || (await approval(diff, upgrade)) !== true) {
    throw new UpgradeRefusedError(plugin, from, manifest.version, "widens", diff, {
      declined: approval !== undefined,
    });
  }
}
