/**
 * `sandplug check <dir...> [--policy policy.json]`: every problem of every
 * plugin, without running any plugin code.
 *
 * @module
 */
import { type CommandSpec, type Parsed, stringOption } from "./args.ts";
import type { CliContext } from "./context.ts";
import { EXIT_OK, EXIT_PROBLEMS, type ExitCode } from "./exit_code.ts";
import { checkPlugin, type PluginReport } from "./check_plugin.ts";
import { readPolicy } from "./policy.ts";
import { pluginTargets } from "./targets.ts";

/** The command's arguments, options and help. */
export const checkSpec: CommandSpec = {
  name: "check",
  summary: "check plugins' manifests, folders, module graphs and grants, running no plugin code",
  arguments: ["<dir...>"],
  count: { min: 1, max: Infinity },
  description: [
    "Checks each plugin as host.load() would before running any of its code: its plugin.json",
    "(every field), its folder (links that leave it, special files), its module graph (imports",
    "of files outside the folder, undeclared packages, remote URLs) and, with --policy, its",
    "permissions against the host's policy. Reports every problem of every plugin, not just the",
    "first. A folder without a plugin.json is a folder of plugins: each folder in it that holds",
    "one is checked.",
  ].join("\n"),
  options: {
    policy: {
      type: "string",
      value: "<file>",
      description:
        "a JSON file shaped as createHost({ allow }); its paths resolve against the working folder",
    },
  },
  json: "print { ok, plugins: [{ dir, name, version, ok, problems: [{ kind, message, … }] }] }",
  exits: { ok: "every plugin passed", problems: "a plugin has a problem" },
  examples: [
    "sandplug check plugins/greeter",
    "sandplug check plugins --policy policy.json",
    "sandplug check plugins/a plugins/b --json",
  ],
};

function printReport(context: CliContext, report: PluginReport): void {
  const { output } = context;
  const { green, red, bold, dim } = output.paint;
  const who = report.name === undefined ? "" : dim(` (${report.name} ${report.version})`);
  const count = report.problems.length;
  if (count === 0) {
    output.line(`${green("ok")}   ${bold(report.dir)}${who}`);
    return;
  }
  output.line(
    `${red("FAIL")} ${bold(report.dir)}${who}: ${count} problem${count === 1 ? "" : "s"}`,
  );
  const width = Math.max(...report.problems.map((problem) => problem.kind.length));
  for (const problem of report.problems) {
    output.line(`     ${problem.kind.padEnd(width)}  ${problem.message}`);
  }
}

/** Runs `sandplug check`. */
export async function runCheck(parsed: Parsed, context: CliContext): Promise<ExitCode> {
  const policyFile = stringOption(parsed, "policy");
  const policy = policyFile === undefined ? undefined : await readPolicy(policyFile);
  const targets = await pluginTargets(parsed.positionals, "check");
  const reports: PluginReport[] = [];
  for (const [index, target] of targets.entries()) {
    const report = await context.progress.around(
      `checking ${target.shown} (${index + 1}/${targets.length})`,
      () => checkPlugin(target, policy),
    );
    reports.push(report);
    if (!parsed.json) printReport(context, report);
  }
  const failed = reports.filter((report) => report.problems.length > 0);
  if (parsed.json) {
    context.output.document({
      ok: failed.length === 0,
      policy: policyFile ?? null,
      plugins: reports.map((report) => ({ ...report, ok: report.problems.length === 0 })),
    });
  } else {
    const problems = failed.reduce((sum, report) => sum + report.problems.length, 0);
    const summary = `${reports.length} plugin${reports.length === 1 ? "" : "s"} checked: ` +
      `${reports.length - failed.length} ok, ${failed.length} with problems` +
      (problems > 0 ? ` (${problems} in all)` : "") +
      (policyFile === undefined ? "; permissions not checked against a policy (no --policy)" : "");
    context.output.line(failed.length === 0 ? summary : context.output.paint.red(summary));
  }
  return failed.length === 0 ? EXIT_OK : EXIT_PROBLEMS;
}
