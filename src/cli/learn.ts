/**
 * `sandplug learn <dir> <symbol> [json-args...]`: runs one call in learn mode
 * and prints the smallest `permissions` for the plugin's `plugin.json` that
 * allows everything the call did (and everything the manifest allows now).
 *
 * @module
 */
import { SymbolKindError, SymbolNotFoundError } from "../errors/errors.ts";
import { diffPermissions } from "../permissions/diff.ts";
import type { LearnedPermissions } from "../permissions/learn.ts";
import {
  type CommandSpec,
  jsonArguments,
  type Parsed,
  stringOption,
  timeoutOption,
} from "./args.ts";
import type { CliContext } from "./context.ts";
import { EXIT_OK, EXIT_PROBLEMS, type ExitCode } from "./exit_code.ts";
import { readPolicy } from "./policy.ts";
import { openSession } from "./session.ts";
import { pluginTarget } from "./targets.ts";
import { changeLines } from "./diff.ts";

/** The command's arguments, options and help. */
export const learnSpec: CommandSpec = {
  name: "learn",
  summary: "run a call in learn mode and print the permissions it needs for plugin.json",
  arguments: ["<dir>", "<symbol>", "[json-args...]"],
  count: { min: 2, max: Infinity },
  jsonArguments: true,
  description: [
    "Loads the plugin in learn mode (host.load(dir, { learn: true })) in the process tier, where",
    "Deno audits every permission check, even refusals the plugin's code catches; calls <symbol>",
    'with the JSON arguments; and prints the smallest "permissions" for its plugin.json that',
    "allow everything the call did, merged with what the manifest asks for now. The call may",
    "fail for want of a permission: that is what learning is for, and it is noted on stderr.",
    "Accesses no plugin.json item can allow are listed as unresolved.",
  ].join("\n"),
  options: {
    timeout: { type: "string", value: "<ms>", description: "the call's deadline (default 30000)" },
    policy: {
      type: "string",
      value: "<file>",
      description: "load it under this host policy (JSON shaped as createHost({ allow }))",
    },
  },
  json: "print { permissions, unresolved, widens, call: { ok, result } or { ok, error } }",
  exits: {
    ok: "the permissions were learned",
    problems: "the plugin did not load, or an access no plugin.json item can allow was made",
  },
  examples: [
    `sandplug learn plugins/reader readPath '"/etc/hostname"'`,
    `sandplug learn plugins/reader readPath '"/etc/hostname"' --json > learned.json`,
  ],
};

type CallOutcome = { ok: true; result: unknown } | {
  ok: false;
  error: { name: string; message: string };
};

function printText(
  context: CliContext,
  learned: LearnedPermissions,
  changes: readonly string[],
): void {
  const { output } = context;
  const { bold, yellow, dim } = output.paint;
  output.line(bold('"permissions" for plugin.json:'));
  output.line(JSON.stringify(learned.permissions, null, 2));
  if (changes.length === 0) output.line(dim("the same as plugin.json asks for now"));
  else output.line(`against plugin.json now:\n${changes.map((line) => `  ${line}`).join("\n")}`);
  if (learned.unresolved.length > 0) {
    output.line(yellow("unresolved (no plugin.json item can allow these):"));
    for (const access of learned.unresolved) {
      output.line(
        `  ${access.kind}${access.value === undefined ? "" : ` ${access.value}`}: ${access.reason}`,
      );
    }
  }
}

/** Runs `sandplug learn`. */
export async function runLearn(parsed: Parsed, context: CliContext): Promise<ExitCode> {
  const [dir, symbol, ...words] = parsed.positionals;
  const target = pluginTarget(dir, "learn");
  const args = jsonArguments(words);
  const timeoutMs = timeoutOption(parsed);
  const policyFile = stringOption(parsed, "policy");
  const policy = policyFile === undefined ? undefined : await readPolicy(policyFile);
  await using session = await openSession(context, target, {
    tier: "process",
    policy,
    learn: true,
  });
  const { plugin } = session;
  let call: CallOutcome;
  try {
    const result = await context.progress.around(
      `calling ${symbol} in learn mode`,
      () => plugin.call(symbol, args, { timeoutMs }),
    );
    call = { ok: true, result };
  } catch (error) {
    // A call that never ran taught nothing: the command was wrong, not the plugin's permissions.
    if (error instanceof SymbolNotFoundError || error instanceof SymbolKindError) throw error;
    const { name, message } = error as Error;
    call = { ok: false, error: { name, message } };
    context.output.error(
      `note: the call failed (${name}: ${message}); learned what it did until then`,
    );
  }
  const learned = plugin.learned();
  const diff = diffPermissions(plugin.manifest.permissions, learned.permissions, {
    dir: plugin.dir,
  });
  if (parsed.json) {
    context.output.document({ ...learned, widens: diff.widens, call });
  } else {
    printText(context, learned, changeLines(diff, plugin.dir, context.output.paint));
  }
  return learned.unresolved.length === 0 ? EXIT_OK : EXIT_PROBLEMS;
}
