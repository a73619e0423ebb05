/**
 * `sandplug inspect <dir>`: what a plugin is once loaded: its name and
 * version, the grant it runs with, its symbols and their kinds, the contracts
 * it implements, and the digest the integrity lock would record for it.
 *
 * @module
 */
import { join } from "node:path";
import { readLock } from "../load/lock_file.ts";
import type { PermissionGrant } from "../permissions/permissions.ts";
import { type CommandSpec, type Parsed, stringOption, tierOption } from "./args.ts";
import type { CliContext, CliPlugin } from "./context.ts";
import { EXIT_OK, type ExitCode } from "./exit_code.ts";
import { shownPath } from "./output.ts";
import { readPolicy } from "./policy.ts";
import { openSession } from "./session.ts";
import { pluginTarget } from "./targets.ts";

/** The command's arguments, options and help. */
export const inspectSpec: CommandSpec = {
  name: "inspect",
  summary: "load a plugin and show its grant, symbols, contracts and graph digest",
  arguments: ["<dir>"],
  count: { min: 1, max: 1 },
  description: [
    "Loads the plugin (in the process tier unless --tier says otherwise) and shows its name,",
    "version, effective grant, exported symbols with their kinds (function, variable, value),",
    "the contracts its manifest says it implements, and its graph digest: the digest over its",
    "manifest, modules and packages that the integrity lock (createHost({ lock })) records.",
    "Without --policy the plugin is granted what its manifest asks for.",
  ].join("\n"),
  options: {
    tier: { type: "string", value: "<tier>", description: "process (default), worker or inline" },
    policy: {
      type: "string",
      value: "<file>",
      description: "load it under this host policy (JSON shaped as createHost({ allow }))",
    },
  },
  json:
    "print { name, version, description, dir, entry, isolation, implements, symbols, permissions, digest }",
  exits: { ok: "the plugin loaded", problems: "it did not load (the error is on stderr)" },
  examples: ["sandplug inspect plugins/greeter", "sandplug inspect plugins/greeter --json"],
};

function grantLines(grant: PermissionGrant, paint: CliContext["output"]["paint"]): string[] {
  const kinds = Object.entries(grant).filter(([, items]) => items.length > 0);
  const width = Math.max(...kinds.map(([kind]) => kind.length));
  return kinds.map(([kind, items]) => {
    // `read` always starts with the plugin's own folder.
    const shown = items.map((item, index) =>
      kind === "read" && index === 0
        ? `${shownPath(item)} ${paint.dim("(its folder)")}`
        : ["read", "write", "ffi"].includes(kind)
        ? shownPath(item)
        : item
    );
    return `${kind.padEnd(width)}  ${shown.join(", ")}`;
  });
}

function printText(context: CliContext, plugin: CliPlugin, digest: string): void {
  const { output } = context;
  const { bold, dim, cyan } = output.paint;
  const { manifest } = plugin;
  const field = (name: string, lines: readonly string[]) => {
    lines.forEach((line, index) => output.line(`  ${(index === 0 ? name : "").padEnd(12)}${line}`));
  };
  output.line(`${bold(plugin.name)} ${plugin.version}`);
  if (manifest.description !== undefined) output.line(`  ${dim(manifest.description)}`);
  field("folder", [shownPath(plugin.dir)]);
  field("entry", [manifest.entry]);
  field("tier", [plugin.isolation]);
  const contracts = Object.entries(manifest.implements);
  field(
    "implements",
    contracts.length === 0 ? [dim("none")] : contracts.map(([n, v]) => `${n} ${v}`),
  );
  const width = Math.max(0, ...plugin.symbols.map((symbol) => symbol.name.length));
  field(
    "symbols",
    plugin.symbols.length === 0
      ? [dim("none")]
      : plugin.symbols.map((symbol) => `${cyan(symbol.name.padEnd(width))}  ${symbol.kind}`),
  );
  field("grant", grantLines(plugin.permissions, output.paint));
  field("digest", [digest]);
}

/** Runs `sandplug inspect`. */
export async function runInspect(parsed: Parsed, context: CliContext): Promise<ExitCode> {
  const target = pluginTarget(parsed.positionals[0], "inspect");
  const policyFile = stringOption(parsed, "policy");
  const policy = policyFile === undefined ? undefined : await readPolicy(policyFile);
  const tier = tierOption(parsed);
  // The lock entry a load writes holds the digest exactly as a host's lock would record it.
  const scratch = await Deno.makeTempDir({ prefix: "sandplug-inspect-" });
  try {
    const lock = { path: join(scratch, "sandplug.lock"), update: true };
    await using session = await openSession(context, target, { tier, policy, lock });
    const { plugin } = session;
    const digest = readLock(lock.path, lock.path)?.plugins[plugin.name]?.digest ?? "";
    if (!parsed.json) {
      printText(context, plugin, digest);
      return EXIT_OK;
    }
    context.output.document({
      name: plugin.name,
      version: plugin.version,
      description: plugin.manifest.description ?? null,
      dir: plugin.dir,
      entry: plugin.manifest.entry,
      isolation: plugin.isolation,
      implements: plugin.manifest.implements,
      symbols: plugin.symbols,
      permissions: plugin.permissions,
      digest,
    });
    return EXIT_OK;
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}
