/**
 * The `sandplug` command: picks the command, reads its arguments, runs it,
 * and turns what it throws into a message and an exit code: a usage error is
 * 2, a plugin's error (a bad manifest, a failed load or call) is 1.
 *
 * @module
 */
import { PluginError } from "../errors/errors.ts";
import { cliHint } from "./hints.ts";
import { SDK_PACKAGE_VERSION } from "../load/sdk_specifier.ts";
import { type CommandSpec, parseCommand, type Parsed } from "./args.ts";
import { isTerminal, paint, wantsColour } from "./colour.ts";
import type { CliContext, HostApi } from "./context.ts";
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type ExitCode, UsageError } from "./exit_code.ts";
import { commandHelp, mainHelp } from "./help.ts";
import { Output, writeAll } from "./output.ts";
import { Progress } from "./progress.ts";
import { callSpec, runCall } from "./call.ts";
import { checkSpec, runCheck } from "./check.ts";
import { diffSpec, runDiff } from "./diff.ts";
import { inspectSpec, runInspect } from "./inspect.ts";
import { learnSpec, runLearn } from "./learn.ts";
import { lockSpec, runLock } from "./lock.ts";
import { newSpec, runNew } from "./new.ts";

type Run = (parsed: Parsed, context: CliContext) => Promise<ExitCode>;

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly (readonly [CommandSpec, Run])[] = [
  [newSpec, runNew],
  [checkSpec, runCheck],
  [inspectSpec, runInspect],
  [callSpec, runCall],
  [lockSpec, runLock],
  [learnSpec, runLearn],
  [diffSpec, runDiff],
];

function outputFor(json: boolean, progress: Progress): Output {
  return new Output({
    json,
    paint: paint(wantsColour(Deno.stdout)),
    paintErr: paint(wantsColour(Deno.stderr)),
    progress,
  });
}

/** A thrown error as the message to print and the exit code. */
function failure(error: unknown, command: string): { message: string; code: ExitCode } {
  if (error instanceof UsageError) {
    return {
      message: `${error.message}\nRun sandplug ${command} --help for its usage.`,
      code: EXIT_USAGE,
    };
  }
  if (error instanceof PluginError) {
    const hint = cliHint(error, command);
    return {
      message: `${error.name}: ${error.message}${hint === "" ? "" : `\n${hint}`}`,
      code: EXIT_PROBLEMS,
    };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { message, code: EXIT_PROBLEMS };
}

/** `sandplug --help`, `help <command>`, `--version`, or a word that is no command. */
function noCommand(name: string | undefined, rest: readonly string[], output: Output): ExitCode {
  const specs = COMMANDS.map(([spec]) => spec);
  if (name === "--help" || name === "-h" || name === "help") {
    const topic = specs.find((spec) => spec.name === rest[0]);
    output.line(
      topic === undefined
        ? mainHelp(specs, SDK_PACKAGE_VERSION, output.paint)
        : commandHelp(topic, output.paint),
    );
    return EXIT_OK;
  }
  if (name === "--version" || name === "-V") {
    output.line(`sandplug ${SDK_PACKAGE_VERSION}`);
    return EXIT_OK;
  }
  output.error(mainHelp(specs, SDK_PACKAGE_VERSION, output.paintErr));
  output.error("");
  output.error(
    name === undefined
      ? "Cannot run sandplug: no command given; pass one of the commands above"
      : `Cannot run sandplug ${JSON.stringify(name)}: it is not a command; use one of ${
        specs.map((spec) => spec.name).join(", ")
      }`,
  );
  return EXIT_USAGE;
}

/**
 * Runs the command line `args` (what follows `sandplug`).
 *
 * @param args The words of the command line.
 * @param api The host API the commands load plugins with.
 * @returns The exit code.
 */
export async function main(args: readonly string[], api: HostApi): Promise<ExitCode> {
  const [name, ...rest] = args;
  // On a terminal even with NO_COLOR, which asks for no colour, not for no progress.
  using progress = new Progress({
    enabled: isTerminal(Deno.stderr),
    write: (text) => writeAll(Deno.stderr, text),
    dim: paint(wantsColour(Deno.stderr)).dim,
  });
  const found = COMMANDS.find(([spec]) => spec.name === name);
  if (found === undefined) return noCommand(name, rest, outputFor(false, progress));
  const [spec, run] = found;
  let output = outputFor(rest.includes("--json"), progress);
  try {
    const parsed = parseCommand(spec, rest);
    output = outputFor(parsed.json, progress);
    if (parsed.help) {
      output.line(commandHelp(spec, output.paint));
      return EXIT_OK;
    }
    return await run(parsed, { api, output, progress });
  } catch (error) {
    progress.stop();
    const { message, code } = failure(error, spec.name);
    output.error(code === EXIT_USAGE ? message : output.paintErr.red(message));
    if (output.json && code === EXIT_PROBLEMS && error instanceof Error) {
      const { name, message } = error;
      // One line, as the results of --json are: a script reads either with one JSON.parse.
      output.jsonLine({ error: { name, code: (error as PluginError).code ?? null, message } });
    }
    return code;
  }
}
