/**
 * Running the `sandplug` command as a user does, in a subprocess: its exit
 * code, stdout and stderr; on a pipe (no terminal) or, through `script(1)`,
 * on a pseudo-terminal.
 *
 * @module
 */
import { join } from "node:path";

/** The repository, where cli.ts is. */
export const ROOT = new URL("../", import.meta.url);
export const CLI = new URL("cli.ts", ROOT).pathname;
export const PLUGINS = new URL("plugins/", ROOT).pathname;

/** What one run printed. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@linkcode sandplug}. */
export interface RunOptions {
  /** The working folder. @default {a fresh temp folder's parent: the repository} */
  cwd?: string;
  /** Environment variables to add; NO_COLOR is removed unless given here. */
  env?: Record<string, string>;
  /** Deno flags before the script, e.g. ["--config", file]. */
  denoFlags?: string[];
}

/** The test's environment with the run's own variables; NO_COLOR only when the run sets it. */
function runEnv(options: RunOptions): Record<string, string> {
  const env: Record<string, string> = { ...Deno.env.toObject(), ...options.env };
  if (options.env?.NO_COLOR === undefined) delete env.NO_COLOR;
  return env;
}

/** `deno run -A cli.ts ...args`, its output as text. */
export async function sandplug(args: string[], options: RunOptions = {}): Promise<Run> {
  const env = runEnv(options);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...(options.denoFlags ?? []), CLI, ...args],
    cwd: options.cwd ?? ROOT.pathname,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

/** Whether `script(1)` is here to give a run a pseudo-terminal. */
export const HAS_SCRIPT = (() => {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/** Quotes a word for sh. */
function quoted(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command run on a pseudo-terminal (stdout and stderr both the terminal,
 * so their output is mixed, with the terminal's CRLF line ends).
 */
export async function sandplugOnTerminal(
  args: string[],
  options: RunOptions = {},
): Promise<{ code: number; output: string }> {
  const env = runEnv(options);
  const command = [Deno.execPath(), "run", "-A", CLI, ...args].map(quoted).join(" ");
  const { code, stdout } = await new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    cwd: options.cwd ?? ROOT.pathname,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code, output: new TextDecoder().decode(stdout) };
}

/** A temp folder, removed by `Symbol.asyncDispose`. */
export interface TempDir extends AsyncDisposable {
  path: string;
}

/** A fresh temp folder holding `files` (relative path → content). */
export async function tempDir(files: Record<string, string> = {}): Promise<TempDir> {
  const path = await Deno.realPath(await Deno.makeTempDir({ prefix: "sandplug-cli-" }));
  for (const [name, content] of Object.entries(files)) {
    await Deno.mkdir(join(path, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(path, name), content);
  }
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** A plugin's files: plugin.json from `manifest` and mod.ts from `code`, under `dir`. */
export function pluginFiles(
  dir: string,
  manifest: Record<string, unknown>,
  code = "export const ok = () => true;\n",
): Record<string, string> {
  return {
    [`${dir}/plugin.json`]: JSON.stringify({ version: "1.0.0", entry: "./mod.ts", ...manifest }),
    [`${dir}/mod.ts`]: code,
  };
}

/** Every ANSI escape of a colour or style (SGR). */
// deno-lint-ignore no-control-regex -- the escape is what it finds
export const COLOUR = /\x1b\[[0-9;]*m/;
