/**
 * `plugin.json`: the zod schema of a plugin's manifest, and the functions that
 * parse it with every problem reported at once.
 *
 * @module
 */
import { posix } from "node:path";
import { z } from "zod";
import { ManifestError, type ManifestIssue } from "./errors.ts";
import type { StandardIssue, StandardSchemaV1 } from "./standard_schema.ts";
import { isVersion } from "./version.ts";

const isExactVersion = (value: string) =>
  isVersion(value) && value.trim() === value && !/^[vV=]/.test(value);

/**
 * The `sys` items Deno knows; a manifest may list any of them.
 *
 * @example
 * ```ts
 * import { SYS_NAMES } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * assert.ok(SYS_NAMES.includes("hostname"));
 * ```
 */
export const SYS_NAMES = [
  "hostname",
  "osRelease",
  "osUptime",
  "loadavg",
  "networkInterfaces",
  "systemMemoryInfo",
  "uid",
  "gid",
  "username",
  "cpus",
  "homedir",
  "statfs",
  "getPriority",
  "setPriority",
  "ca",
  "umask",
] as const;

const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
const HOST_PATTERN = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9*_.-]+)(:[0-9]{1,5})?$/;
const ENV_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

function withinFolder(path: string): boolean {
  if (posix.isAbsolute(path)) return true;
  const normalized = posix.normalize(path);
  return normalized !== ".." && !normalized.startsWith("../");
}

function hasScheme(path: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(path);
}

const pathItem = z.string().min(1, "must not be empty")
  .refine((path) => !hasScheme(path), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is a URL; write a file path relative to the plugin folder`,
  })
  .refine(withinFolder, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} leaves the plugin folder; ` +
      "write a path inside it, or an absolute path that the host policy allows",
  });

const hostItem = z.string().regex(HOST_PATTERN, {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not a host: write "hostname" or "hostname:port"`,
}).refine((item) => {
  const port = item.match(/:([0-9]+)$/)?.[1];
  return port === undefined || item.endsWith("]") || Number(port) <= 65535;
}, { error: (issue) => `${JSON.stringify(issue.input)} has a port above 65535` });

const envItem = z.string().regex(ENV_PATTERN, {
  error: (issue) =>
    `${
      JSON.stringify(issue.input)
    } is not an environment variable name: use letters, digits and _ ` +
    '(a trailing * matches a prefix, e.g. "APP_*")',
});

const runItem = z.string().min(1, "must not be empty");

const sysItem = z.enum(SYS_NAMES, {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not a sys permission; use one of: ${SYS_NAMES.join(", ")}`,
});

/** A permission entry: absent or `false` denies it, a list grants exactly those items. */
function permission<T extends z.ZodType<string>>(item: T, example: string) {
  return z.union([z.literal(false), z.array(item)], {
    error: (issue) =>
      issue.input === true
        ? `true would grant everything and is not allowed; list what the plugin needs, e.g. ${example}`
        : `must be false or a list, e.g. ${example}; current value is ${
          JSON.stringify(issue.input)
        }`,
  }).optional();
}

/* The permissions a plugin asks for. Every kind left out is denied. */
const permissionsSchema = z.strictObject({
  read: permission(pathItem, '["./data"]').describe(
    "Paths the plugin may read, relative to its folder",
  ),
  write: permission(pathItem, '["./cache"]').describe(
    "Paths the plugin may write, relative to its folder",
  ),
  net: permission(hostItem, '["api.example.com:443"]').describe(
    'Hosts the plugin may reach: "host" or "host:port"',
  ),
  env: permission(envItem, '["HOME"]').describe(
    'Environment variables the plugin may read; "APP_*" matches a prefix',
  ),
  run: permission(runItem, '["git"]').describe("Programs the plugin may run"),
  ffi: permission(pathItem, '["./lib/native.so"]').describe("Native libraries the plugin may load"),
  sys: permission(sysItem, '["hostname"]').describe("System information the plugin may read"),
  import: permission(hostItem, '["esm.sh"]').describe(
    "Hosts the plugin may import remote modules from",
  ),
});

const positiveMs = z.number().int("must be a whole number of milliseconds")
  .positive("must be greater than 0")
  .max(2_147_483_647, "must be at most 2147483647 (about 24 days)");

/* Resource limits the host applies to the plugin. */
const limitsSchema = z.strictObject({
  callTimeoutMs: positiveMs.optional().describe("Deadline of each call, in milliseconds"),
  loadTimeoutMs: positiveMs.optional().describe("Deadline for loading the plugin, in milliseconds"),
  memoryMb: z.number().int("must be a whole number of MiB").positive("must be greater than 0")
    .optional()
    .describe("Heap cap in MiB (enforced by the process tier)"),
});

const schema = z.strictObject({
  $schema: z.string().optional().describe("The JSON Schema of this file, for editors"),
  name: z.string().regex(NAME_PATTERN, {
    error: (issue) =>
      `must start with a lowercase letter and hold only lowercase letters, digits and "-"; ` +
      `current value is ${JSON.stringify(issue.input)}`,
  }).describe("The plugin's name: lowercase letters, digits and dashes"),
  version: z.string().refine(isExactVersion, {
    error: (issue) =>
      `must be a semantic version such as "1.0.0"; current value is ${JSON.stringify(issue.input)}`,
  }).describe("The plugin's own semantic version"),
  entry: pathItem.refine((path) => !posix.isAbsolute(path), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is absolute; write a path relative to the plugin folder`,
  }).default("mod.ts").describe(
    "The module that holds the plugin's exports, relative to its folder",
  ),
  description: z.string().optional().describe("One line about what the plugin does"),
  implements: z.record(
    z.string(),
    z.string().refine(isExactVersion, {
      error: (issue) =>
        `must be the semantic version of the contract the plugin was built against, such as "1.0.0"; ` +
        `current value is ${JSON.stringify(issue.input)}`,
    }),
  ).refine((record) => !Object.hasOwn(record, ""), {
    error: 'a contract name must not be empty: write "name": "1.0.0"',
  })
    .default({}).describe("Contract name → the contract version the plugin was built against"),
  imports: z.array(
    z.string().regex(/^(?:npm:|jsr:)?[@A-Za-z0-9_~-][^\s]*$/, {
      error: (issue) =>
        `${
          JSON.stringify(issue.input)
        } is not a package specifier: write e.g. "npm:left-pad@1" or "jsr:@std/path"`,
    }),
  ).default([]).describe(
    'Packages the plugin imports, e.g. "npm:left-pad@1"; the host policy must allow them',
  ),
  isolation: z.enum(["worker", "process"], {
    error: (issue) =>
      `must be "worker" or "process"; current value is ${JSON.stringify(issue.input)}`,
  }).optional().describe(
    "The least isolation the plugin needs; a host may isolate it more, never less",
  ),
  permissions: permissionsSchema.default({}).describe(
    "What the plugin may do; everything left out is denied",
  ),
  limits: limitsSchema.default({}).describe("Deadlines and resource caps"),
});

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
  /** Packages the plugin imports (`npm:`, `jsr:` or bare specifiers of the host's import map). */
  imports: string[];
  /** The least isolation the plugin asks for: `"process"` makes a worker-tier host run it in a process. */
  isolation?: "worker" | "process";
  /** What the plugin may do. */
  permissions: ManifestPermissions;
  /** Deadlines and resource caps. */
  limits: ManifestLimits;
}

/** The result of `manifestSchema.safeParse()`. */
export type ManifestSafeParseResult =
  | { success: true; data: Manifest; error?: undefined }
  | { success: false; data?: undefined; error: { issues: ReadonlyArray<StandardIssue> } };

/** The exported zod schema of `plugin.json`, as the package types it. */
export interface ManifestSchema extends StandardSchemaV1<unknown, Manifest> {
  /** Parses a manifest value, throwing zod's error when it is invalid. */
  parse(input: unknown): Manifest;
  /** Parses a manifest value without throwing. */
  safeParse(input: unknown): ManifestSafeParseResult;
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
