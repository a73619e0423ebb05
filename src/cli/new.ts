/**
 * `sandplug new <dir> [--name N] [--tier T]`: a new plugin folder whose test
 * passes as made.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { tryParseManifest } from "../manifest/manifest.ts";
import { type CommandSpec, type Parsed, stringOption, tierOption } from "./args.ts";
import type { CliContext } from "./context.ts";
import { EXIT_OK, type ExitCode, UsageError } from "./exit_code.ts";
import { shownPath } from "./output.ts";
import {
  denoJsonOf,
  manifestOf,
  missingFromConfig,
  moduleOf,
  type ScaffoldOptions,
  testOf,
} from "./scaffold.ts";

/** The command's arguments, options and help. */
export const newSpec: CommandSpec = {
  name: "new",
  summary: "make a new plugin folder: plugin.json, mod.ts and a test that passes",
  arguments: ["<dir>"],
  count: { min: 1, max: 1 },
  description: [
    "Makes <dir> (new, or empty) with a plugin.json whose $schema is the published JSON Schema,",
    "a mod.ts that exports a function and a variable with the SDK (@sandplug/host/plugin), and",
    "a mod_test.ts that loads the plugin in every tier with @sandplug/host/testing and checks",
    "that a call needs no permission beyond plugin.json. Outside a project it also writes a",
    "deno.json that maps @sandplug/host; inside one, it notes what that project's deno.json lacks.",
    "Run the test with: deno test -A --no-prompt <dir>",
  ].join("\n"),
  options: {
    name: {
      type: "string",
      value: "<name>",
      description: "the plugin's name (default: the folder's name); lowercase letters, digits, -",
    },
    tier: {
      type: "string",
      value: "<tier>",
      description: "the least isolation it needs, written to plugin.json: worker or process",
    },
  },
  json: "print { dir, name, files, notes }",
  exits: {
    ok: "the plugin folder was made",
    problems: "never: a folder in the way is a usage error",
  },
  examples: [
    "sandplug new plugins/hello",
    "sandplug new plugins/indexer --name search-indexer --tier process",
  ],
};

/** The nearest deno.json or deno.jsonc at or above `dir`. */
function enclosingConfig(dir: string): string | undefined {
  for (let at = dir;; at = dirname(at)) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      try {
        if (Deno.statSync(join(at, name)).isFile) return join(at, name);
      } catch {
        // not here
      }
    }
    if (dirname(at) === at) return undefined;
  }
}

function emptyOrNew(dir: string, arg: string): void {
  let entries: string[];
  try {
    entries = [...Deno.readDirSync(dir)].map((entry) => entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw new UsageError(
      `Cannot make a plugin in ${arg}: ${(error as Error).message}; pass a new folder`,
    );
  }
  if (entries.length > 0) {
    throw new UsageError(
      `Cannot make a plugin in ${arg}: it already holds ${entries.sort().slice(0, 3).join(", ")}` +
        `${entries.length > 3 ? ", …" : ""}; pass a new or empty folder`,
    );
  }
}

function scaffoldOptions(parsed: Parsed, dir: string): ScaffoldOptions {
  const tier = tierOption(parsed);
  if (tier === "inline") {
    throw new UsageError(
      "Cannot use --tier inline for a new plugin: plugin.json names the least isolation it needs, " +
        "worker or process; leave --tier out to let the host choose",
    );
  }
  const name = stringOption(parsed, "name") ?? basename(dir);
  const options: ScaffoldOptions = { name, isolation: tier };
  const checked = tryParseManifest(manifestOf(options));
  if (!checked.success) {
    const issues = checked.error.issues.map((issue) => `${issue.path}: ${issue.message}`).join(
      "; ",
    );
    const from = stringOption(parsed, "name") === undefined ? " (the folder's name)" : "";
    throw new UsageError(
      `Cannot make a plugin named ${JSON.stringify(name)}${from}: ${issues}; pass --name`,
    );
  }
  return options;
}

/** Runs `sandplug new`. */
export async function runNew(parsed: Parsed, context: CliContext): Promise<ExitCode> {
  const arg = parsed.positionals[0];
  const dir = resolve(arg);
  const options = scaffoldOptions(parsed, dir);
  emptyOrNew(dir, arg);
  const config = enclosingConfig(dirname(dir));
  const files: Record<string, string> = {
    "plugin.json": `${JSON.stringify(manifestOf(options), null, 2)}\n`,
    "mod.ts": moduleOf(options),
    "mod_test.ts": testOf(options),
  };
  const notes: string[] = [];
  if (config === undefined) {
    files["deno.json"] = denoJsonOf();
  } else {
    try {
      notes.push(
        ...missingFromConfig(shownPath(config), JSON.parse(await Deno.readTextFile(config))),
      );
    } catch {
      notes.push(
        `${shownPath(config)} could not be read as JSON; check that it maps @sandplug/host`,
      );
    }
  }
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(dir, name), text, { createNew: true });
  }
  const { output } = context;
  if (parsed.json) {
    output.document({ dir: arg, name: options.name, files: Object.keys(files), notes });
    return EXIT_OK;
  }
  for (const note of notes) output.error(`note: ${note}`);
  output.line(`made plugin ${output.paint.bold(options.name)} in ${arg}:`);
  for (const name of Object.keys(files)) output.line(`  ${join(arg, name)}`);
  output.line("");
  const next: [string, string][] = [
    [
      config === undefined ? `cd ${arg} && deno task test` : `deno test -A --no-prompt ${arg}`,
      "its test, in every tier",
    ],
    [`sandplug call ${arg} greet '"Ada"'`, "call it"],
    [`sandplug check ${arg}`, "check it as a host would"],
  ];
  const width = Math.max(...next.map(([command]) => command.length));
  output.line("next:");
  for (const [command, why] of next) {
    output.line(`  ${command.padEnd(width)}  ${output.paint.dim(`# ${why}`)}`);
  }
  return EXIT_OK;
}
