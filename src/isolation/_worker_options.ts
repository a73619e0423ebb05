import { dirname, join, resolve } from "node:path";
import { fromFileUrl } from "./_file_url.ts";

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

function detect(): WorkerOptionsState {
  const cmdline = Deno.build.os === "linux" ? readText("/proc/self/cmdline") : undefined;
  const args = cmdline?.split("\0") ?? [];
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
