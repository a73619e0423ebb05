import { dirname, join, resolve } from "node:path";
import { fromFileUrl } from "../load/file_url.ts";

/**
 * Whether Deno's `worker-options` unstable feature is on: `"on"`, `"off"`, or
 * `"unknown"` when the host may not read what would tell. It must be known
 * beforehand because, without it, Deno ends the whole process (exit code 70)
 * on the first `new Worker(…, { deno: { permissions } })` instead of throwing.
 */
export type WorkerOptionsState = "on" | "off" | "unknown";

function canRead(path: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "read", path }).state === "granted";
  } catch {
    return false;
  }
}

function readText(path: string): string | undefined {
  if (!canRead(path)) return undefined;
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

let cmdline: string[] | undefined | null = null;

/** The host process's command line, if it may be read (Linux only). */
function hostArgs(): string[] | undefined {
  if (cmdline === null) {
    const text = Deno.build.os === "linux" ? readText("/proc/self/cmdline") : undefined;
    cmdline = text?.split("\0");
  }
  return cmdline;
}

function detect(): WorkerOptionsState {
  const args = hostArgs() ?? [];
  const cmdline = hostArgs();
  if (args.some((arg) => arg === "--unstable-worker-options" || arg === "--unstable")) return "on";
  if (args.includes("--no-config")) return cmdline === undefined ? "unknown" : "off";
  const configFlag = args.findIndex((arg) => arg === "--config" || arg === "-c");
  const inlineConfig = args.find((arg) => arg.startsWith("--config="))?.slice("--config=".length);
  const explicit = configFlag >= 0 ? args[configFlag + 1] : inlineConfig;
  let cwd: string | undefined;
  try {
    cwd = Deno.cwd();
  } catch {
    cwd = undefined;
  }
  const configs = explicit !== undefined && cwd !== undefined
    ? [readText(resolve(cwd, explicit))]
    : [
      cwd === undefined ? undefined : findConfig(cwd),
      findConfig(dirname(fromFileUrl(Deno.mainModule))),
    ];
  if (configs.some((text) => text !== undefined && configEnables(text))) return "on";
  return cmdline === undefined ? "unknown" : "off";
}

let cached: WorkerOptionsState | undefined;

/** Detects, once per process, whether per-worker permissions are available. */
export function workerOptionsState(): WorkerOptionsState {
  cached ??= detect();
  return cached;
}

function envSet(name: string): boolean {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
      return false;
    }
    const value = Deno.env.get(name);
    return value !== undefined && value !== "" && value !== "0";
  } catch {
    return false;
  }
}

/**
 * Whether a plugin worker's denied call could show a permission prompt on the
 * host's terminal. Deno prompts for a worker's ungranted permissions, and the
 * prompt neither names the plugin nor stays within its grant, so the worker
 * tier refuses to start where it could. Unknown counts as possible.
 */
export function promptsPossible(): boolean {
  let terminal: boolean;
  try {
    terminal = Deno.stdin.isTerminal() && Deno.stderr.isTerminal();
  } catch {
    terminal = false;
  }
  if (!terminal) return false;
  if (envSet("DENO_NO_PROMPT")) return false;
  const args = hostArgs();
  return args === undefined || !args.includes("--no-prompt");
}
