/**
 * The errors of loading a plugin: its manifest, the permissions and imports
 * it asks for, its fit with the host's contracts, and its start.
 *
 * @module
 */
import { PluginError, type PluginErrorOptions } from "./plugin_error.ts";

/** One problem found in a `plugin.json`. */
export interface ManifestIssue {
  /** Dotted field path, e.g. `permissions.read[0]`; empty for the whole file. */
  path: string;
  /** What is wrong with the field. */
  message: string;
}

/**
 * A `plugin.json` is missing, is not JSON, or breaks the schema. All problems
 * are reported at once: see {@linkcode ManifestError.issues}.
 *
 * @example Inspect every problem of a manifest
 * ```ts
 * import { ManifestError, parseManifest } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * try {
 *   parseManifest({ name: "Bad Name", version: "one" }, { file: "x/plugin.json" });
 *   assert.fail("expected a ManifestError");
 * } catch (error) {
 *   assert.ok(error instanceof ManifestError);
 *   assert.deepEqual(error.issues.map((issue) => issue.path), ["name", "version"]);
 * }
 * ```
 */
export class ManifestError extends PluginError {
  /** Always "MANIFEST_INVALID". */
  override readonly code = "MANIFEST_INVALID";
  /** The manifest file the problems were found in. */
  readonly file: string;
  /** Every problem found, in field order. */
  readonly issues: readonly ManifestIssue[];

  /**
   * Makes the error.
   *
   * @param file The manifest's path, as shown in messages.
   * @param issues Every problem found.
   * @param options The plugin's name and the cause.
   */
  constructor(file: string, issues: readonly ManifestIssue[], options: PluginErrorOptions = {}) {
    const lines = issues.map((issue) =>
      `${file}: ${issue.path ? `${issue.path}: ` : ""}${issue.message}`
    );
    super(
      issues.length === 1
        ? `Invalid plugin manifest: ${lines[0]}`
        : `Invalid plugin manifest (${issues.length} problems):\n  ${lines.join("\n  ")}`,
      options,
    );
    this.name = "ManifestError";
    this.file = file;
    this.issues = issues;
  }
}

/** One permission item a plugin asked for and the host policy does not allow. */
export interface DeniedPermission {
  /** The permission kind, e.g. `"net"`. */
  kind: string;
  /** The item as the manifest wrote it, e.g. `"example.com:443"` or `"./cache"`. */
  value: string;
  /** The policy item that would allow it (paths made absolute), e.g. `"/srv/plugins/x/cache"`. */
  allow: string;
}

/**
 * A plugin's manifest asks for permissions that the host's policy does not
 * allow. Nothing is granted: the load is refused.
 *
 * @example List what was refused
 * ```ts
 * import { PermissionDeniedError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new PermissionDeniedError("fetcher", [
 *   { kind: "net", value: "example.com:443", allow: "example.com:443" },
 * ]);
 * assert.match(error.message, /net "example.com:443"/);
 * assert.match(error.message, /allow: \{ net: \["example.com:443"\] \}/);
 * ```
 */
export class PermissionDeniedError extends PluginError {
  /** Always "PERMISSION_DENIED". */
  override readonly code = "PERMISSION_DENIED";
  /** Every item that the policy does not allow. */
  readonly denied: readonly DeniedPermission[];

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param denied Every item that the policy does not allow.
   * @param options The cause.
   */
  constructor(
    plugin: string,
    denied: readonly DeniedPermission[],
    options: PluginErrorOptions = {},
  ) {
    const items = denied.map((item) => `${item.kind} ${JSON.stringify(item.value)}`).join(", ");
    const byKind = new Map<string, string[]>();
    for (const item of denied) {
      byKind.set(item.kind, [...(byKind.get(item.kind) ?? []), item.allow]);
    }
    const fix = [...byKind].map(([kind, values]) => `${kind}: ${JSON.stringify(values)}`).join(
      ", ",
    );
    super(
      `Cannot load plugin "${plugin}": its manifest asks for permissions the host policy does not allow: ${items}; ` +
        `grant them with createHost({ allow: { ${fix} } }) or remove them from plugin.json`,
      { ...options, plugin },
    );
    this.name = "PermissionDeniedError";
    this.denied = denied;
  }
}

/** One import that the plugin's module graph may not make. */
export interface DeniedImport {
  /** The specifier as written, e.g. `"npm:left-pad"`. */
  specifier: string;
  /** The importing file, relative to the plugin folder. */
  file: string;
  /** 1-based line of the import. */
  line: number;
  /** Why it is refused and how to allow it. */
  reason: string;
}

/**
 * The plugin's code imports something its grant does not cover: a file
 * outside its folder, an undeclared `npm:`/`jsr:` package, a `data:` module,
 * or a remote URL. Found before any plugin code runs; every import is listed.
 *
 * @example
 * ```ts
 * import { ImportDeniedError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new ImportDeniedError("p", [
 *   { specifier: "npm:left-pad", file: "mod.ts", line: 1, reason: "it is not declared" },
 * ]);
 * assert.match(error.message, /mod\.ts:1 imports "npm:left-pad": it is not declared/);
 * ```
 */
export class ImportDeniedError extends PluginError {
  /** Always "IMPORT_DENIED". */
  override readonly code = "IMPORT_DENIED";
  /** Every refused import. */
  readonly imports: readonly DeniedImport[];

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param imports Every refused import.
   */
  constructor(plugin: string, imports: readonly DeniedImport[]) {
    const lines = imports.map((item) =>
      `${item.file}:${item.line} imports ${JSON.stringify(item.specifier)}: ${item.reason}`
    );
    super(
      `Cannot load plugin "${plugin}": its code imports what its grant does not cover:\n  ${
        lines.join("\n  ")
      }`,
      { plugin },
    );
    this.name = "ImportDeniedError";
    this.imports = imports;
  }
}

/**
 * The plugin does not fit what the host expects: contract version out of
 * range, contract symbols missing or of the wrong kind, or a different wire
 * protocol. Every mismatch is listed in {@linkcode IncompatiblePluginError.problems}.
 *
 * @example
 * ```ts
 * import { IncompatiblePluginError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new IncompatiblePluginError("greeter", ['symbol "greet" is missing']);
 * assert.deepEqual(error.problems, ['symbol "greet" is missing']);
 * ```
 */
export class IncompatiblePluginError extends PluginError {
  /** Always "INCOMPATIBLE_PLUGIN". */
  override readonly code = "INCOMPATIBLE_PLUGIN";
  /** Every mismatch found. */
  readonly problems: readonly string[];

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name.
   * @param problems Every mismatch found.
   * @param options The cause.
   */
  constructor(plugin: string, problems: readonly string[], options: PluginErrorOptions = {}) {
    super(
      problems.length === 1
        ? `Plugin "${plugin}" is incompatible with this host: ${problems[0]}`
        : `Plugin "${plugin}" is incompatible with this host (${problems.length} problems):\n  ${
          problems.join("\n  ")
        }`,
      { ...options, plugin },
    );
    this.name = "IncompatiblePluginError";
    this.problems = problems;
  }
}

/**
 * The plugin could not be started: its entry module failed to load, threw at
 * top level, or did not report ready in time.
 *
 * @example
 * ```ts
 * import { PluginLoadError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const error = new PluginLoadError("greeter", "its entry module threw: Error: boom");
 * assert.match(error.message, /Cannot load plugin "greeter": its entry module threw/);
 * ```
 */
export class PluginLoadError extends PluginError {
  /** Always "LOAD_FAILED". */
  override readonly code = "LOAD_FAILED";

  /**
   * Makes the error.
   *
   * @param plugin The plugin's name (or its folder when the name is unknown).
   * @param reason Why it failed and how to fix it.
   * @param options The cause.
   */
  constructor(plugin: string, reason: string, options: PluginErrorOptions = {}) {
    super(`Cannot load plugin "${plugin}": ${reason}`, { ...options, plugin });
    this.name = "PluginLoadError";
  }
}
