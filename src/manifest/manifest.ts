/**
 * `plugin.json`: the zod schema of a plugin's manifest, and the functions that
 * parse it with every problem reported at once.
 *
 * @module
 */
import { z } from "zod";
import { ManifestError, type ManifestIssue } from "../errors/load_errors.ts";
import type { StandardSchemaV1 } from "../contract/standard_schema.ts";
import { schema, type SYS_NAMES } from "./schema.ts";

export { SYS_NAMES } from "./schema.ts";

/** A `sys` item a manifest may list. */
export type SysName = typeof SYS_NAMES[number];

/** The permissions a plugin asks for. A kind left out (or `false`) is denied; a list grants exactly those items. */
export interface ManifestPermissions {
  /** Paths the plugin may read, relative to its folder (or absolute, if the host allows them). */
  read?: false | string[];
  /** Paths the plugin may write, relative to its folder (or absolute, if the host allows them). */
  write?: false | string[];
  /** Hosts the plugin may reach: `"host"` or `"host:port"`. */
  net?: false | string[];
  /** Environment variables the plugin may read; `"APP_*"` matches a prefix. */
  env?: false | string[];
  /** Programs the plugin may run. */
  run?: false | string[];
  /** Native libraries the plugin may load. */
  ffi?: false | string[];
  /** System information the plugin may read. */
  sys?: false | SysName[];
  /** Hosts the plugin may import remote modules from. */
  import?: false | string[];
}

/** Deadlines and resource caps of a plugin. */
export interface ManifestLimits {
  /** Deadline of each call, in milliseconds. */
  callTimeoutMs?: number;
  /** Deadline for loading the plugin, in milliseconds. */
  loadTimeoutMs?: number;
  /** Heap cap in MiB. */
  memoryMb?: number;
}

/** A parsed, valid `plugin.json`, with defaults filled in. */
export interface Manifest {
  /** The JSON Schema of the file, for editors. */
  $schema?: string;
  /** The plugin's name: lowercase letters, digits and dashes, starting with a letter. */
  name: string;
  /** The plugin's own semantic version. */
  version: string;
  /** The module holding the plugin's exports, relative to its folder. Default `mod.ts`. */
  entry: string;
  /** One line about what the plugin does. */
  description?: string;
  /** Contract name → the contract version the plugin was built against. */
  implements: Record<string, string>;
  /** Extension point → the exported function that implements it, for `createFramework()`'s `use()`. */
  extends?: Record<string, string>;
  /** Packages the plugin imports (`npm:`, `jsr:` or bare specifiers of the host's import map). */
  imports: string[];
  /**
   * The host functions the plugin calls, by name: the host must provide each
   * when it loads the plugin, and the plugin may call only these.
   */
  host: string[];
  /** The least isolation the plugin asks for: `"process"` makes a worker-tier host run it in a process. */
  isolation?: "worker" | "process";
  /** What the plugin may do. */
  permissions: ManifestPermissions;
  /** Deadlines and resource caps. */
  limits: ManifestLimits;
}

/**
 * The exported zod schema of `plugin.json`, as the package types it: zod's
 * `parse` and `safeParse`, and the Standard Schema surface. Typed by hand so
 * that the public API does not carry zod's own types.
 */
export interface ManifestSchema extends StandardSchemaV1<unknown, Manifest> {
  /** Parses a manifest value, throwing zod's error when it is invalid. */
  parse(input: unknown): Manifest;
  /**
   * Parses a manifest value without throwing: the manifest, or zod's error
   * with every problem (what is wrong, and the path to it in the value).
   */
  safeParse(input: unknown):
    | { success: true; data: Manifest; error?: undefined }
    | {
      success: false;
      data?: undefined;
      error: { issues: ReadonlyArray<{ message: string; path: ReadonlyArray<PropertyKey> }> };
    };
}

/**
 * The zod schema of `plugin.json`. Unknown fields are errors; `$schema` is
 * allowed so that editors can complete the file. It is a zod 4 schema typed
 * by its `parse`/`safeParse` and Standard Schema surface.
 *
 * @example Validate a manifest with zod directly
 * ```ts
 * import { manifestSchema } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const result = manifestSchema.safeParse({ name: "greeter", version: "1.0.0" });
 * assert.ok(result.success);
 * assert.equal(result.data.entry, "mod.ts");
 * ```
 */
export const manifestSchema: ManifestSchema = schema;

/** Options of {@linkcode parseManifest} and {@linkcode tryParseManifest}. */
export interface ParseManifestOptions {
  /**
   * The manifest's path, used in error messages.
   *
   * @default {"plugin.json"}
   */
  file?: string;
}

/** The result of {@linkcode tryParseManifest}. */
export type ParseManifestResult =
  | { success: true; manifest: Manifest }
  | { success: false; error: ManifestError };

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : `${out ? "." : ""}${String(key)}`;
  }
  return out;
}

type ZodIssue = z.core.$ZodIssue;

// A union (false | list) fails as a whole; when the value had the list's shape, the
// list's own problems, at their item index, say more than the union's message.
function matchedOption(issue: ZodIssue): ZodIssue[] | undefined {
  if (issue.code !== "invalid_union") return undefined;
  return issue.errors.find((option) =>
    option.length > 0 && option.every((inner) => inner.path.length > 0)
  );
}

function toIssues(
  issues: readonly ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): ManifestIssue[] {
  const out: ManifestIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const option = matchedOption(issue);
    if (option !== undefined) {
      out.push(...toIssues(option, path));
    } else if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({
          path: formatPath([...path, key]),
          message: "unknown field; remove it or check its spelling",
        });
      }
    } else if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) {
      out.push({ path: formatPath(path), message: "is required" });
    } else {
      out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}

/**
 * Parses a manifest without throwing.
 *
 * @param input The manifest as JSON text or as an already-parsed value.
 * @param options Where the manifest came from, for messages.
 * @returns `{ success: true, manifest }` or `{ success: false, error }` with a {@linkcode ManifestError}.
 *
 * @example
 * ```ts
 * import { tryParseManifest } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const result = tryParseManifest('{"name": "x", "version": "1.0.0", "color": "red"}');
 * assert.equal(result.success, false);
 * if (!result.success) assert.equal(result.error.issues[0].path, "color");
 * ```
 */
export function tryParseManifest(
  input: unknown,
  options: ParseManifestOptions = {},
): ParseManifestResult {
  const file = options.file ?? "plugin.json";
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      return {
        success: false,
        error: new ManifestError(file, [{ path: "", message: `is not valid JSON: ${reason}` }], {
          cause,
        }),
      };
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const shown = Array.isArray(value) ? "an array" : value === null ? "null" : typeof value;
    return {
      success: false,
      error: new ManifestError(file, [{
        path: "",
        message: `must be a JSON object; current value is ${shown}`,
      }]),
    };
  }
  const result = schema.safeParse(value);
  if (result.success) return { success: true, manifest: result.data };
  const name = (value as { name?: unknown }).name;
  return {
    success: false,
    error: new ManifestError(file, toIssues(result.error.issues), {
      plugin: typeof name === "string" ? name : undefined,
      cause: result.error,
    }),
  };
}

/**
 * Parses and validates a manifest.
 *
 * @param input The manifest as JSON text or as an already-parsed value.
 * @param options Where the manifest came from, for messages.
 * @returns The manifest with defaults filled in.
 * @throws {ManifestError} With every problem found, each with its field path.
 *
 * @example
 * ```ts
 * import { parseManifest } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const manifest = parseManifest({
 *   name: "reader",
 *   version: "1.0.0",
 *   permissions: { read: ["./data"] },
 * });
 * assert.deepEqual(manifest.permissions.read, ["./data"]);
 * assert.throws(
 *   () => parseManifest({ name: "x", version: "1.0.0", permissions: { read: ["../.."] } }),
 *   /permissions\.read\[0\]: "\.\.\/\.\." leaves the plugin folder/,
 * );
 * ```
 */
export function parseManifest(input: unknown, options: ParseManifestOptions = {}): Manifest {
  const result = tryParseManifest(input, options);
  if (!result.success) throw result.error;
  return result.manifest;
}

/**
 * The JSON Schema of `plugin.json`, generated from {@linkcode manifestSchema}.
 * The package also ships it as `plugin.schema.json`, so a manifest can start
 * with `"$schema": "…/plugin.schema.json"` and get completion in editors.
 *
 * @returns A JSON Schema (draft 2020-12) object.
 *
 * @example
 * ```ts
 * import { manifestJsonSchema } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const schema = manifestJsonSchema();
 * assert.deepEqual(schema.required, ["name", "version"]);
 * ```
 */
export function manifestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
}
