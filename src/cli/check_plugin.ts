/**
 * The checks of `sandplug check` on one plugin, run without any plugin code:
 * the manifest, the folder, the module graph, and the grant against a
 * policy. Each check reports every problem it finds, and a failed check does
 * not hide the next: the graph is checked against what the manifest asks for
 * even when the policy refuses some of it.
 *
 * @module
 */
import {
  ImportDeniedError,
  ManifestError,
  PermissionDeniedError,
  PluginError,
} from "../errors/errors.ts";
import { findPlugin } from "../load/locate.ts";
import { checkNoEscapingLinks } from "../load/folder_check.ts";
import { checkModuleGraphAsync } from "../load/module_graph.ts";
import { fromFileUrl } from "../load/file_url.ts";
import {
  type HostPolicy,
  type PermissionGrant,
  resolveGrant,
  resolvePolicy,
} from "../permissions/permissions.ts";
import { ALLOW_MANIFEST } from "./policy.ts";
import type { Target } from "./targets.ts";

/** Which check found a problem. */
export type ProblemKind = "manifest" | "folder" | "graph" | "policy" | "load";

/** One problem of one plugin. */
export interface Problem {
  readonly kind: ProblemKind;
  /** What is wrong and how to fix it. */
  readonly message: string;
  /** The file it is in, relative to the plugin folder (manifest and import problems). */
  readonly file?: string;
  /** Its line (import problems). */
  readonly line?: number;
  /** The manifest field, e.g. `permissions.read[0]` (manifest problems). */
  readonly field?: string;
  /** The import as written (import problems). */
  readonly specifier?: string;
  /** The permission kind and item the policy refuses (policy problems). */
  readonly permission?: string;
  readonly value?: string;
}

/** What `sandplug check` found of one plugin. */
export interface PluginReport {
  /** The folder as given. */
  readonly dir: string;
  /** From its manifest, when that could be read. */
  readonly name?: string;
  readonly version?: string;
  readonly problems: readonly Problem[];
}

/** A load error's reason, without the "Cannot load plugin "x": " every one starts with. */
export function reasonOf(error: Error): string {
  return error.message.replace(/^Cannot load plugin "[^"]*": /, "");
}

function manifestProblems(error: ManifestError): Problem[] {
  return error.issues.map((issue) => ({
    kind: "manifest",
    message: `${issue.path === "" ? "" : `${issue.path}: `}${issue.message}`,
    file: error.file,
    ...(issue.path === "" ? {} : { field: issue.path }),
  }));
}

function policyProblems(error: PermissionDeniedError): Problem[] {
  return error.denied.map((item) => ({
    kind: "policy",
    message: `${item.kind} ${JSON.stringify(item.value)} is not allowed by the policy; ` +
      `allow it with "${item.kind}": [${JSON.stringify(item.allow)}] or remove it from plugin.json`,
    permission: item.kind,
    value: item.value,
  }));
}

function graphProblems(error: ImportDeniedError): Problem[] {
  return error.imports.map((item) => ({
    kind: "graph",
    message: `${item.file}:${item.line} imports ${JSON.stringify(item.specifier)}: ${item.reason}`,
    file: item.file,
    line: item.line,
    specifier: item.specifier,
  }));
}

/** Runs one check, turning what it throws into problems of `kind`. */
async function collect<T>(
  problems: Problem[],
  kind: ProblemKind,
  check: () => T | Promise<T>,
): Promise<T | undefined> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof ManifestError) problems.push(...manifestProblems(error));
    else if (error instanceof PermissionDeniedError) problems.push(...policyProblems(error));
    else if (error instanceof ImportDeniedError) problems.push(...graphProblems(error));
    else if (error instanceof PluginError) problems.push({ kind, message: reasonOf(error) });
    else if (error instanceof Error) problems.push({ kind, message: error.message });
    else throw error;
    return undefined;
  }
}

/**
 * Checks one plugin, collecting every problem.
 *
 * @param target The plugin.
 * @param policy The host policy to check its grant against; without one, the grant is not checked.
 */
export async function checkPlugin(
  target: Target,
  policy: HostPolicy | undefined,
): Promise<PluginReport> {
  const problems: Problem[] = [];
  if (target.problem !== undefined) {
    problems.push({ kind: "load", message: reasonOf(target.problem) });
    return { dir: target.shown, problems };
  }
  const found = await collect(problems, "load", () => findPlugin(target.path));
  if (found === undefined) return { dir: target.shown, problems };
  const { dir, manifest, entry } = found;
  if (policy !== undefined) {
    await collect(problems, "policy", () => resolveGrant(manifest, dir, resolvePolicy(policy)));
  }
  // What the manifest asks for: the graph is judged against it even where the policy refused some.
  const grant: PermissionGrant = resolveGrant(manifest, dir, resolvePolicy(ALLOW_MANIFEST));
  await collect(problems, "folder", () => checkNoEscapingLinks(manifest.name, dir, grant.write));
  await collect(
    problems,
    "graph",
    () => checkModuleGraphAsync(manifest.name, fromFileUrl(entry), dir, grant),
  );
  return { dir: target.shown, name: manifest.name, version: manifest.version, problems };
}
