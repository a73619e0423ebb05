/**
 * `sandplug diff <old-dir> <new-dir>`: what the new version of a plugin asks
 * for that the old one did not, and what it gives up, kind by kind; exit
 * code 1 when it widens, as a host's reload would refuse it without approval.
 *
 * @module
 */
import { isAbsolute, relative } from "node:path";
import { findPlugin } from "../load/locate.ts";
import { diffPermissions, type PermissionDiff } from "../permissions/diff.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import type { Paint } from "./colour.ts";
import type { CliContext } from "./context.ts";
import { EXIT_OK, EXIT_PROBLEMS, type ExitCode } from "./exit_code.ts";
import { pluginTarget } from "./targets.ts";

/** The command's arguments, options and help. */
export const diffSpec: CommandSpec = {
  name: "diff",
  summary: "show how two versions of a plugin differ in permissions; exit 1 when it widens",
  arguments: ["<old-dir>", "<new-dir>"],
  count: { min: 2, max: 2 },
  description: [
    "Compares the permissions, packages (imports) and host functions the two manifests ask for,",
    "kind by kind: the items added and removed, and whether the new version may do anything the",
    "old one could not (it widens), which is what a host's reload refuses without onUpgrade",
    "approval. Relative paths of both manifests are read against the new version's folder, so",
    "that the same ./data in both is the same item. No plugin code runs.",
  ].join("\n"),
  options: {},
  json:
    "print { from: { dir, name, version }, to: { … }, widens, kinds: { <kind>: { added, removed, widens } } }",
  exits: {
    ok: "the new version asks for nothing more",
    problems: "it widens (or a manifest is invalid)",
  },
  examples: ["sandplug diff plugins/greeter ../greeter-2.0.0", "sandplug diff old new --json"],
};

/**
 * The diff as lines of text, one per changed kind; empty when nothing changed.
 * Paths show as plugin.json writes them: inside the plugin folder `./…`, else absolute.
 */
export function changeLines(diff: PermissionDiff, dir: string, paint: Paint): string[] {
  const shown = (item: string) => {
    if (!isAbsolute(item)) return item;
    const rel = relative(dir, item);
    return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? item : `./${rel}`;
  };
  return Object.entries(diff.kinds).map(([kind, change]) => {
    const items = [
      ...change.added.map((item) => paint.green(`+ ${shown(item)}`)),
      ...change.removed.map((item) => paint.dim(`- ${shown(item)}`)),
    ];
    const mark = change.widens ? ` ${paint.red("(widens)")}` : "";
    return `${kind}: ${items.join(", ")}${mark}`;
  });
}

/** Runs `sandplug diff`. */
export function runDiff(parsed: Parsed, context: CliContext): Promise<ExitCode> {
  const [oldArg, newArg] = parsed.positionals;
  const before = findPlugin(pluginTarget(oldArg, "diff").path);
  const after = findPlugin(pluginTarget(newArg, "diff").path);
  const diff = diffPermissions(before.manifest, after.manifest, { dir: after.dir });
  const side = (arg: string, plugin: typeof before) => ({
    dir: arg,
    name: plugin.manifest.name,
    version: plugin.manifest.version,
  });
  const { output } = context;
  if (before.manifest.name !== after.manifest.name) {
    output.error(
      `note: comparing two plugins, "${before.manifest.name}" and "${after.manifest.name}"`,
    );
  }
  if (parsed.json) {
    output.document({ from: side(oldArg, before), to: side(newArg, after), ...diff });
  } else {
    const { bold, red, green } = output.paint;
    output.line(
      `${bold(after.manifest.name)} ${before.manifest.version} → ${after.manifest.version}: ` +
        (diff.widens
          ? red("widens")
          : Object.keys(diff.kinds).length === 0
          ? green("the same permissions")
          : green("does not widen")),
    );
    for (const line of changeLines(diff, after.dir, output.paint)) output.line(`  ${line}`);
  }
  return Promise.resolve(diff.widens ? EXIT_PROBLEMS : EXIT_OK);
}
