/**
 * `sandplug call <dir> <symbol> [json-args...]`: loads a plugin, calls one of
 * its functions with JSON arguments and prints the result as JSON; with
 * `--stream`, one JSON line per item the function yields.
 *
 * @module
 */
import {
  type CommandSpec,
  jsonArguments,
  type Parsed,
  stringOption,
  tierOption,
  timeoutOption,
} from "./args.ts";
import type { CliContext, CliPlugin } from "./context.ts";
import { EXIT_OK, type ExitCode, UsageError } from "./exit_code.ts";
import { readPolicy } from "./policy.ts";
import { openSession } from "./session.ts";
import { pluginTarget } from "./targets.ts";

/** The command's arguments, options and help. */
export const callSpec: CommandSpec = {
  name: "call",
  summary: "load a plugin, call a function with JSON arguments, print the result as JSON",
  arguments: ["<dir>", "<symbol>", "[json-args...]"],
  count: { min: 2, max: Infinity },
  jsonArguments: true,
  description: [
    "Loads the plugin, calls <symbol> with each json-arg parsed as JSON, prints what it returns",
    "as JSON and closes the plugin. Quote strings twice: once for JSON, once for the shell",
    `('"Ada"'). A variable or other value that is not a function prints its current value.`,
    "A function that returns an async iterable (an async function*) or a ReadableStream is read",
    "with --stream: one line of JSON per item, as it comes. JSON cannot hold every value a plugin",
    "can return: undefined prints as null, a bigint as its digits in a string, a Map as",
    "[[key, value], …], a Set as an array, bytes as an array of numbers. Plugin output (console)",
    "goes to stderr. Without --policy the plugin is granted what its manifest asks for.",
  ].join("\n"),
  options: {
    tier: { type: "string", value: "<tier>", description: "process (default), worker or inline" },
    timeout: {
      type: "string",
      value: "<ms>",
      description: "the call's deadline (default 30000; for --stream, per item)",
    },
    stream: { type: "boolean", description: "read the result as a stream: one JSON line per item" },
    policy: {
      type: "string",
      value: "<file>",
      description: "load it under this host policy (JSON shaped as createHost({ allow }))",
    },
  },
  json: "print the result on one line (without it, indented); on a plugin error, { error }",
  exits: {
    ok: "the call returned (or the stream ended)",
    problems: "the plugin failed to load, or the call threw or timed out (the error is on stderr)",
  },
  examples: [
    `sandplug call plugins/greeter greet '"Ada"'`,
    "sandplug call plugins/myplugin PluginInputNumber",
    `sandplug call plugins/qos-sort Less '{"priority":2}' '{"priority":1}' --timeout 5000`,
    "sandplug call plugins/records records '\"/tmp/log.ndjson\"' --stream | head -5",
  ],
};

async function callOnce(
  context: CliContext,
  plugin: CliPlugin,
  symbol: string,
  args: unknown[],
  timeoutMs: number | undefined,
): Promise<unknown> {
  const kind = plugin.symbols.find((info) => info.name === symbol)?.kind;
  if (kind === undefined || kind === "function") {
    try {
      return await plugin.call(symbol, args, { timeoutMs });
    } catch (error) {
      if (
        (error as Error).name === "ValidationError" && / at result/.test((error as Error).message)
      ) {
        context.output.error(
          `note: if ${symbol} returns an async iterable or a ReadableStream, read it with --stream`,
        );
      }
      throw error;
    }
  }
  if (args.length > 0) {
    throw new UsageError(
      `Cannot call ${symbol}: it is a ${kind}, not a function; leave out the arguments to print its value`,
    );
  }
  const remote = plugin.lookup(symbol, { kind });
  return typeof remote === "function" ? undefined : await remote.get();
}

/** Runs `sandplug call`. */
export async function runCall(parsed: Parsed, context: CliContext): Promise<ExitCode> {
  const [dir, symbol, ...words] = parsed.positionals;
  const target = pluginTarget(dir, "call");
  const args = jsonArguments(words);
  const tier = tierOption(parsed);
  const timeoutMs = timeoutOption(parsed);
  const policyFile = stringOption(parsed, "policy");
  const policy = policyFile === undefined ? undefined : await readPolicy(policyFile);
  await using session = await openSession(context, target, { tier, policy });
  const { plugin } = session;
  const { output, progress } = context;
  if (parsed.values.stream === true) {
    progress.start(`reading ${symbol}`);
    try {
      for await (const item of plugin.stream(symbol, args, { timeoutMs })) {
        // Items arriving are progress enough: the line would only flicker between them.
        progress.stop();
        output.jsonLine(item);
        // The reader went away: leaving the loop cancels the plugin's iterator.
        if (output.stdoutGone) break;
      }
    } finally {
      progress.stop();
    }
    return EXIT_OK;
  }
  const result = await progress.around(
    `calling ${symbol}`,
    () => callOnce(context, plugin, symbol, args, timeoutMs),
  );
  if (parsed.json) output.jsonLine(result);
  else output.document(result);
  return EXIT_OK;
}
