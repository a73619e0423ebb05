/**
 * The command line of one command, read with `node:util` `parseArgs`:
 * every command takes `--help` and `--json`, rejects unknown options, and
 * turns each mistake into a {@linkcode UsageError} that says how to fix it.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "./exit_code.ts";
import { type Tier, TIERS } from "./context.ts";

/** One option of a command. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  /** What the value is, for the help: `<file>`, `<ms>`. */
  readonly value?: string;
  /** One line for the help. */
  readonly description: string;
}

/** A command's arguments, options and help. */
export interface CommandSpec {
  /** As typed: `check`. */
  readonly name: string;
  /** One line, for `sandplug --help`. */
  readonly summary: string;
  /** The positional arguments, as the help shows them: `["<dir>", "<symbol>", "[json-args...]"]`. */
  readonly arguments: readonly string[];
  /** How many positional arguments it takes. */
  readonly count: { readonly min: number; readonly max: number };
  /** Paragraphs for the help, wrapped. */
  readonly description: string;
  /** The command's own options; `--json` and `--help` are added to every command. */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** What `--json` prints. */
  readonly json: string;
  /** What exit codes 0 and 1 mean for it. */
  readonly exits: { readonly ok: string; readonly problems: string };
  readonly examples: readonly string[];
  /** Whether arguments after the fixed ones are JSON values, so that `-1` is one and not an option. */
  readonly jsonArguments?: boolean;
}

/** A command line, read. */
export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
  readonly json: boolean;
  readonly help: boolean;
}

/** The options every command takes. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: "boolean", description: "" },
  help: { type: "boolean", short: "h", description: "show this help" },
};

/** A JSON argument that starts like a short option: a negative number. */
const NEGATIVE = /^-[0-9.]/;

/**
 * Reads `argv` (the words after the command's name) against `spec`.
 *
 * @throws {UsageError} For an unknown option, an option without its value, or too few or too many arguments.
 */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): Parsed {
  // parseArgs takes "-1" for a short option; a JSON argument may be a negative number.
  const held = new Map<string, string>();
  const words = argv.map((word, index) => {
    if (!spec.jsonArguments || !NEGATIVE.test(word)) return word;
    const key = `\0${index}`;
    held.set(key, word);
    return key;
  });
  let parsed;
  try {
    parsed = parseArgs({
      args: words,
      options: { ...spec.options, ...COMMON_OPTIONS },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node:util's own text advises `--` for positionals, which is not the trouble here.
    const unknown = /Unknown option '([^']*)'/.exec((error as Error).message)?.[1];
    throw new UsageError(
      unknown === undefined
        ? `Cannot read the command line: ${(error as Error).message}`
        : `Cannot read the command line: unknown option ${unknown}`,
    );
  }
  const values = parsed.values as Parsed["values"];
  const positionals = parsed.positionals.map((word) => held.get(word) ?? word);
  const help = values.help === true;
  if (!help) checkCount(spec, positionals);
  return { values, positionals, json: values.json === true, help };
}

function checkCount(spec: CommandSpec, positionals: readonly string[]): void {
  const { min, max } = spec.count;
  if (positionals.length < min) {
    const missing = spec.arguments[positionals.length] ?? spec.arguments.at(-1);
    throw new UsageError(
      `Cannot ${spec.name}: missing ${missing}; current arguments are ${
        JSON.stringify(positionals)
      }; write sandplug ${spec.name} ${spec.arguments.join(" ")}`,
    );
  }
  if (positionals.length > max) {
    throw new UsageError(
      `Cannot ${spec.name}: too many arguments: ${JSON.stringify(positionals.slice(max))} after ${
        spec.arguments.join(" ")
      }; quote an argument that holds spaces`,
    );
  }
}

/** The value of a string option, if given. */
export function stringOption(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * `--tier`: one of the isolation tiers.
 *
 * @throws {UsageError} When it names none.
 */
export function tierOption(parsed: Parsed): Tier | undefined {
  const value = stringOption(parsed, "tier");
  if (value === undefined) return undefined;
  if (!(TIERS as readonly string[]).includes(value)) {
    throw new UsageError(
      `Cannot use --tier ${JSON.stringify(value)}: it is not an isolation tier; use ${
        TIERS.join(", ")
      }`,
    );
  }
  return value as Tier;
}

/**
 * `--timeout`: milliseconds, a positive whole number.
 *
 * @throws {UsageError} When it is not one.
 */
export function timeoutOption(parsed: Parsed): number | undefined {
  const value = stringOption(parsed, "timeout");
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(ms) || ms <= 0) {
    throw new UsageError(
      `Cannot use --timeout ${
        JSON.stringify(value)
      }: it must be a positive whole number of milliseconds, e.g. --timeout 5000`,
    );
  }
  return ms;
}

/**
 * The JSON arguments of a call, each parsed.
 *
 * @param words The arguments as typed.
 * @throws {UsageError} Naming the first that is not JSON.
 */
export function jsonArguments(words: readonly string[]): unknown[] {
  return words.map((word, index) => {
    try {
      return JSON.parse(word);
    } catch (error) {
      const hint = /^[\p{L}_$]/u.test(word)
        ? `; a string needs its JSON quotes inside the shell's: '${JSON.stringify(word)}'`
        : "; write a JSON value (a number, a quoted string, true, null, an array or an object)";
      throw new UsageError(
        `Cannot read argument ${index + 1} of the call as JSON: current value is ${
          JSON.stringify(word)
        } (${(error as Error).message})${hint}`,
      );
    }
  });
}
