/**
 * Learn mode: what a plugin loaded with `learn: true` used or was refused,
 * gathered from Deno's permission audit (process tier) and the host's
 * `denied` reports (every tier), turned into the `permissions` of its
 * `plugin.json`.
 *
 * @module
 */
import { join } from "node:path";
import { PluginLoadError } from "../errors/errors.ts";
import type { Manifest } from "../manifest/manifest.ts";
import { parseAuditLines } from "../permissions/audit.ts";
import { type Access, type LearnedPermissions, learnPermissions } from "../permissions/learn.ts";
import { isWithin } from "../permissions/permissions.ts";

/** The runtime's own files: what the plugin's isolate reads that plugin code did not ask for. */
const RUNTIME_DIR = new URL("../", import.meta.url).pathname;

/** What one plugin in learn mode used or was refused, over all its isolates and versions. */
export class Learning {
  readonly #denials: Access[] = [];
  /** Where the process tier writes Deno's audit of each child; undefined for other tiers. */
  readonly auditDir: string | undefined;

  private constructor(auditDir: string | undefined) {
    this.auditDir = auditDir;
  }

  /**
   * Starts learning for a plugin. A tier that audits (`audits`) needs a
   * private folder for Deno's audit files.
   *
   * @throws {PluginLoadError} When the folder cannot be made.
   */
  static async start(plugin: string, audits: boolean): Promise<Learning> {
    if (!audits) return new Learning(undefined);
    let dir: string;
    try {
      dir = await Deno.makeTempDir({ prefix: "sandplug-learn-" });
    } catch (cause) {
      throw new PluginLoadError(
        plugin,
        `learn mode needs a private temp folder for Deno's permission audit, which the host ` +
          `could not make (${cause instanceof Error ? cause.name : String(cause)}); ` +
          "run the host with --allow-read and --allow-write to the temp folder " +
          "(e.g. --allow-read=/tmp --allow-write=/tmp)",
        { cause },
      );
    }
    // The host reads what Deno writes there: find out now, at load, not at learned().
    if (Deno.permissions.querySync({ name: "read", path: dir }).state !== "granted") {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw new PluginLoadError(
        plugin,
        `learn mode reads Deno's permission audit from a temp folder (${dir}), which the host ` +
          "may not read; run the host with --allow-read to the temp folder (e.g. --allow-read=/tmp)",
      );
    }
    return new Learning(dir);
  }

  /** A permission the plugin was refused, as the host's `denied` event reports it. */
  denied(kind: string, value: string | undefined): void {
    this.#denials.push({ kind, value });
  }

  /** The smallest `permissions` that allows everything the plugin did so far, beside what it has. */
  learned(dir: string, manifest: Manifest): LearnedPermissions {
    const accesses = [...this.#audited(), ...this.#denials];
    return learnPermissions(dir === "" ? Deno.cwd() : dir, accesses, {
      base: manifest.permissions,
      // Every plugin reads its own folder, and its isolate the runtime's files.
      ignore: (access) =>
        access.kind === "read" && access.value !== undefined &&
        ((dir !== "" && isWithin(access.value, dir)) || isWithin(access.value, RUNTIME_DIR)),
    });
  }

  #audited(): Access[] {
    if (this.auditDir === undefined) return [];
    const accesses: Access[] = [];
    for (const entry of Deno.readDirSync(this.auditDir)) {
      accesses.push(...parseAuditLines(Deno.readTextFileSync(join(this.auditDir, entry.name))));
    }
    return accesses;
  }

  /** Removes the audit files. */
  async close(): Promise<void> {
    if (this.auditDir !== undefined) {
      await Deno.remove(this.auditDir, { recursive: true }).catch(() => {});
    }
  }
}
