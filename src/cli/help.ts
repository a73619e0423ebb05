/**
 * The `--help` text of each command and of `sandplug` itself, made from the
 * command's spec so that the help and the parser never disagree.
 *
 * @module
 */
import type { CommandSpec, OptionSpec } from "./args.ts";
import type { Paint } from "./colour.ts";

function optionLabel(name: string, option: OptionSpec): string {
  const long = `--${name}${option.type === "string" ? ` ${option.value ?? "<value>"}` : ""}`;
  return option.short === undefined ? `    ${long}` : `-${option.short}, ${long}`;
}

/** Rows of two columns, the first padded to the widest. */
function table(rows: readonly (readonly [string, string])[], paint: Paint): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${paint.bold(left.padEnd(width))}  ${right}`);
}

/** A command's help, as `sandplug <command> --help` prints it. */
export function commandHelp(spec: CommandSpec, paint: Paint): string {
  const rows: [string, string][] = Object.entries(spec.options).map((
    [name, option],
  ) => [optionLabel(name, option), option.description]);
  rows.push([optionLabel("json", { type: "boolean", description: "" }), spec.json]);
  rows.push([
    optionLabel("help", { type: "boolean", short: "h", description: "" }),
    "show this help",
  ]);
  return [
    `${paint.bold(`sandplug ${spec.name}`)}: ${spec.summary}`,
    "",
    `Usage: sandplug ${spec.name} ${spec.arguments.join(" ")} [options]`,
    "",
    spec.description,
    "",
    "Options:",
    ...table(rows, paint),
    "",
    "Exit codes:",
    ...table([["0", spec.exits.ok], ["1", spec.exits.problems], ["2", "a usage error"]], paint),
    "",
    "Examples:",
    ...spec.examples.map((example) => `  ${example}`),
  ].join("\n");
}

/** `sandplug --help`: every command with its summary. */
export function mainHelp(commands: readonly CommandSpec[], version: string, paint: Paint): string {
  return [
    `${paint.bold("sandplug")} ${version}: make, check and run sandplug plugins`,
    "",
    "Usage: sandplug <command> [arguments] [options]",
    "       deno run -A jsr:@sandplug/host/cli <command> [arguments] [options]",
    "",
    "Commands:",
    ...table(commands.map((spec) => [spec.name, spec.summary]), paint),
    "",
    "Every command takes --help, and --json for machine-readable output on stdout.",
    "Exit codes: 0 all is well, 1 problems found, 2 a usage error.",
    "Colours only on a terminal, never with NO_COLOR set.",
    "",
    "Run sandplug <command> --help for a command's arguments and options.",
  ].join("\n");
}
