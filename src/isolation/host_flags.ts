/**
 * What the host process can learn, without a prompt, of the Deno flags it
 * runs with. No Deno API tells a program its own flags or unstable features
 * (checked on Deno 2.9.6: `Deno[Deno.internal]`, `node:process` `execArgv`,
 * the globals and the `Deno` namespace are the same with and without
 * `--unstable-worker-options` or `--no-prompt`, permission queries answer
 * alike, and a bad `deno.permissions` value throws the same TypeError either
 * way, and `node:child_process` passes the flags on only to a `fork()`ed
 * child, which needs run permission and gets `-A`). What tells: the command
 * line in `/proc/self/cmdline` (Linux), which Deno lets a program read only
 * under `--allow-all` (a read grant of the file is reported "granted" but the
 * read throws, without a prompt); `DENO_NO_PROMPT` under
 * `--allow-env=DENO_NO_PROMPT`; and the deno.json that turns the unstable
 * feature on, under a read grant of that file. What they cannot tell is
 * "unknown", and the worker tier refuses to start on it: guessing wrong means
 * Deno ends the host (exit code 70) or a prompt on its terminal.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { fromFileUrl } from "../load/file_url.ts";

/** The host's command line (Linux); Deno lets a program read it only under `--allow-all`. */
const CMDLINE = "/proc/self/cmdline";

/**
 * Whether Deno's `worker-options` unstable feature is on: `"on"`, `"off"`, or
 * `"unknown"` when the host may not read what would tell. It must be known
 * beforehand because, without it, Deno ends the whole process (exit code 70)
 * on the first `new Worker(…, { deno: { permissions } })` instead of throwing.
 */
export type WorkerOptionsState = "on" | "off" | "unknown";

/**
 * Whether Deno could show a permission prompt on the host's terminal:
 * `"impossible"` (no terminal, `--no-prompt`, or `DENO_NO_PROMPT`),
 * `"possible"`, or `"unknown"` when the host may not read its command line
 * or `DENO_NO_PROMPT`.
 */
export type PromptState = "possible" | "impossible" | "unknown";

function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

function readText(path: string): string | undefined {
  if (!granted({ name: "read", path })) return undefined;
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

function configEnables(text: string): boolean {
  return /"unstable"\s*:\s*\[[^\]]*"worker-options"/.test(text);
}

function findConfig(start: string): string | undefined {
  let dir = start;
  for (;;) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      const text = readText(join(dir, name));
      if (text !== undefined) return text;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

let flags: readonly string[] | undefined | null = null;

/**
 * Deno's own arguments on the host's command line (the subcommand and its
 * flags, without the program's arguments, which could spell a flag too), or
 * undefined where the host may not read them.
 */
function denoFlags(): readonly string[] | undefined {
  if (flags === null) {
    const text = Deno.build.os === "linux" ? readText(CMDLINE) : undefined;
    // The file ends with a NUL; the last Deno.args.length entries are the program's own.
    const args = text?.split("\0").slice(1, -1);
    flags = args?.slice(0, Math.max(0, args.length - Deno.args.length));
  }
  return flags;
}

function detect(): WorkerOptionsState {
  const args = denoFlags();
  if (args?.some((arg) => arg === "--unstable-worker-options" || arg === "--unstable")) {
    return "on";
  }
  if (args?.includes("--no-config")) return "off";
  const configFlag = args?.findIndex((arg) => arg === "--config" || arg === "-c") ?? -1;
  const inlineConfig = args?.find((arg) => arg.startsWith("--config="))?.slice("--config=".length);
  const explicit = configFlag >= 0 ? args?.[configFlag + 1] : inlineConfig;
  let cwd: string | undefined;
  try {
    cwd = Deno.cwd();
  } catch {
    cwd = undefined; // the folder was removed
  }
  const configs = explicit !== undefined
    ? [cwd === undefined ? undefined : readText(resolve(cwd, explicit))]
    : [
      cwd === undefined ? undefined : findConfig(cwd),
      findConfig(dirname(fromFileUrl(Deno.mainModule))),
    ];
  // Without the command line, a deno.json that turns the feature on is trusted: Deno finds it
  // the same way (from the working folder or the main module's), unless the host was started
  // with --no-config or another --config, which the host then cannot see.
  if (configs.some((text) => text !== undefined && configEnables(text))) return "on";
  return args === undefined ? "unknown" : "off";
}

let cached: WorkerOptionsState | undefined;

/** Detects, once per process, whether per-worker permissions are available. */
export function workerOptionsState(): WorkerOptionsState {
  cached ??= detect();
  return cached;
}

/** Whether the variable is set to a true value; undefined where the host may not read it. */
function envFlag(name: string): boolean | undefined {
  if (!granted({ name: "env", variable: name })) return undefined;
  try {
    const value = Deno.env.get(name);
    return value !== undefined && value !== "" && value !== "0";
  } catch {
    return undefined;
  }
}

/**
 * Whether a plugin worker's denied call could show a permission prompt on the
 * host's terminal. Deno prompts for a worker's ungranted permissions, and the
 * prompt neither names the plugin nor stays within its grant, so the worker
 * tier refuses to start unless it is `"impossible"`. Deno prompts only where
 * both stdin and stderr are terminals.
 */
export function promptState(): PromptState {
  let terminal: boolean;
  try {
    terminal = Deno.stdin.isTerminal() && Deno.stderr.isTerminal();
  } catch {
    terminal = false;
  }
  if (!terminal) return "impossible";
  const env = envFlag("DENO_NO_PROMPT");
  const args = denoFlags();
  if (env === true || args?.includes("--no-prompt")) return "impossible";
  return env === false && args !== undefined ? "possible" : "unknown";
}
