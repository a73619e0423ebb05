/**
 * The zod schema of `plugin.json`, field by field, with the messages each
 * problem reports.
 *
 * @module
 */
import { posix } from "node:path";
import { z } from "zod";
import { isVersion } from "../contract/version.ts";

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
const HOST_FUNCTION_PATTERN = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const MAX_HOST_FUNCTION_NAME = 100;
const MAX_HOST_FUNCTIONS = 256;

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

/** A long value shown in a message, cut so that the message stays readable. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

const hostFunctionItem = z.string({
  error: (issue) =>
    `must be a host function's name, e.g. "sum"; current value is ${shown(issue.input)}`,
})
  .max(MAX_HOST_FUNCTION_NAME, {
    error: (issue) =>
      `${shown(issue.input)} is longer than ${MAX_HOST_FUNCTION_NAME} characters; ` +
      "give the host function a shorter name",
    abort: true,
  })
  .regex(HOST_FUNCTION_PATTERN, {
    error: (issue) =>
      `${shown(issue.input)} is not a host function name: use letters, digits, _ and $, ` +
      'not starting with a digit, like a JavaScript identifier (e.g. "sum")',
  });

// Each name once: a name listed twice is a slip, never a second grant.
const hostFunctions = z.array(hostFunctionItem, {
  error: (issue) =>
    `must be a list of host function names, e.g. ["sum"]; current value is ${shown(issue.input)}`,
})
  .max(MAX_HOST_FUNCTIONS, {
    error: (issue) =>
      `must list at most ${MAX_HOST_FUNCTIONS} host functions; current value lists ${
        Array.isArray(issue.input) ? issue.input.length : "more"
      }`,
  })
  .superRefine((names, ctx) => {
    names.forEach((name, index) => {
      if (names.indexOf(name) === index) return;
      ctx.addIssue({
        code: "custom",
        path: [index],
        input: name,
        message: `${shown(name)} is listed more than once; list each host function once`,
      });
    });
  })
  // The refinement above is code; editors learn the same rule from the JSON Schema.
  .meta({ uniqueItems: true });

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

/** The zod schema of `plugin.json`; `manifest.ts` exports it typed. */
export const schema = z.strictObject({
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
  host: hostFunctions.default([]).describe(
    "Host functions the plugin calls, by name; the host must provide each when it loads the plugin",
  ),
  extends: z.record(
    z.string().min(1, "a point name must not be empty"),
    z.string().regex(HOST_FUNCTION_PATTERN, {
      error: (issue) => `${shown(issue.input)} is not the name of an exported function`,
    }),
  ).optional().describe(
    'Extension point → the function that implements it, e.g. "filter": "filter"',
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
