/**
 * The errors of the integrity lock: a plugin that does not match what the
 * lock file holds for it, and a lock file that cannot be read as one.
 *
 * @module
 */
import { PluginError, type PluginErrorOptions } from "./plugin_error.ts";

/** How one file, package or permission differs from the lock. */
export type ChangeKind = "changed" | "added" | "removed";

/** A package as the lock holds it: its exact specifier and the registry's integrity, if known. */
export interface LockedPackage {
  /** E.g. `npm:marked@18.2.1`; as the manifest declares it when the tier did not resolve it. */
  readonly specifier: string;
  /** E.g. `sha512-…`; null when the host's own resolver provides the package (worker, inline tiers). */
  readonly integrity: string | null;
}

/** One difference between a plugin and its lock entry. */
export type IntegrityChange =
  | {
    /** A file of the plugin, relative to its folder with `/` separators, e.g. `lib/util.ts`. */
    readonly path: string;
    readonly change: ChangeKind;
  }
  | {
    /** The package's name, e.g. `npm:marked`. */
    readonly package: string;
    readonly change: ChangeKind;
    /** What the lock holds; absent when the package was added. */
    readonly from?: LockedPackage;
    /** What the plugin has now; absent when the package was removed. */
    readonly to?: LockedPackage;
  }
  | {
    /** A kind of the plugin's effective grant, e.g. `net`. */
    readonly permission: string;
    readonly change: ChangeKind;
  };

/** The most changes one message lists; the `changes` field holds them all. */
const MAX_LISTED = 50;

function describe(change: IntegrityChange): string {
  if ("path" in change) return `file ${change.path} ${change.change}`;
  if ("permission" in change) return `permission ${change.permission} ${change.change}`;
  const { from, to } = change;
  if (from === undefined || to === undefined) {
    return `package ${(to ?? from)?.specifier ?? change.package} ${change.change}`;
  }
  return from.specifier === to.specifier
    ? `package ${to.specifier} changed (integrity ${from.integrity} → ${to.integrity})`
    : `package ${change.package} changed (${from.specifier} → ${to.specifier})`;
}

/**
 * A plugin does not match the lock file: a file of its module graph, its
 * manifest, a package or its grant changed, appeared or disappeared since the
 * lock was written, or the lock holds no entry for it at all
 * ({@linkcode IntegrityError.missing}). The load is refused before any of the
 * plugin's code runs.
 *
 * @example List what changed
 * ```ts
 * import { IntegrityError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new IntegrityError("markdown", "sandplug.lock", [
 *   { path: "mod.ts", change: "changed" },
 *   { path: "lib/extra.ts", change: "added" },
 * ]);
 * assert.equal(error.code, "INTEGRITY_MISMATCH");
 * assert.match(error.message, /file mod\.ts changed, file lib\/extra\.ts added/);
 * assert.match(error.message, /update: true/);
 * ```
 */
export class IntegrityError extends PluginError {
  /** Always "INTEGRITY_MISMATCH". */
  override readonly code = "INTEGRITY_MISMATCH";
  /** The lock file, as shown in the message. */
  readonly lock: string;
  /** Every difference found; empty when the lock holds no entry for the plugin. */
  readonly changes: readonly IntegrityChange[];
  /** Whether the lock holds no entry for the plugin (or does not exist). */
  readonly missing: boolean;

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param lock The lock file, as shown in the message.
   * @param changes Every difference found; none when the lock holds no entry for the plugin.
   * @param options The cause; `note`, a sentence the message adds (e.g. where the locked copy was).
   */
  constructor(
    plugin: string,
    lock: string,
    changes: readonly IntegrityChange[],
    options: PluginErrorOptions & { note?: string } = {},
  ) {
    const missing = changes.length === 0;
    const fix = `if that is intended, update the lock: createHost({ lock: { path: ${
      JSON.stringify(lock)
    }, update: true } })`;
    const listed = changes.slice(0, MAX_LISTED).map(describe).join(", ") +
      (changes.length > MAX_LISTED ? ` and ${changes.length - MAX_LISTED} more` : "");
    const what = missing
      ? `the lock ${lock} holds no entry for it, and is not being updated`
      : `it does not match its entry in the lock ${lock}: ${listed}`;
    const note = options.note === undefined ? "" : `; ${options.note}`;
    super(`Cannot load plugin "${plugin}": ${what}${note}; ${fix}`, {
      cause: options.cause,
      plugin,
    });
    this.name = "IntegrityError";
    this.lock = lock;
    this.changes = changes;
    this.missing = missing;
  }
}

/**
 * The lock file is not one sandplug can read: not JSON, another format
 * version, or an entry whose fields are missing or inconsistent (a digest
 * that does not match its files, as after a hand edit).
 *
 * @example Tell the problem and the file
 * ```ts
 * import { LockFileError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new LockFileError("sandplug.lock", "it is not JSON");
 * assert.equal(error.code, "LOCK_FILE_INVALID");
 * assert.match(error.message, /Cannot read lock file sandplug\.lock: it is not JSON/);
 * ```
 */
export class LockFileError extends PluginError {
  /** Always "LOCK_FILE_INVALID". */
  override readonly code = "LOCK_FILE_INVALID";
  /** The lock file, as shown in the message. */
  readonly file: string;

  /**
   * Makes the error.
   *
   * @param file The lock file, as shown in the message.
   * @param problem What is wrong with it.
   * @param options The plugin being loaded, and the cause.
   */
  constructor(file: string, problem: string, options: PluginErrorOptions = {}) {
    super(
      `Cannot read lock file ${file}: ${problem}; fix or delete the file, then write it again ` +
        "with createHost({ lock: { path, update: true } })",
      options,
    );
    this.name = "LockFileError";
    this.file = file;
  }
}
