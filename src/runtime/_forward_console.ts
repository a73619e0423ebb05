import type { LogLevel, PluginMessage } from "../protocol.ts";

const METHODS: Record<string, LogLevel> = {
  debug: "debug",
  info: "info",
  log: "log",
  warn: "warn",
  error: "error",
  trace: "debug",
  dir: "log",
  table: "log",
};

function format(args: unknown[]): string {
  return args.map((arg) => typeof arg === "string" ? arg : Deno.inspect(arg, { colors: false }))
    .join(" ");
}

/**
 * Sends what plugin code writes with `console.*` to the host as log messages,
 * so that the host can tag each line with the plugin's name and route it,
 * instead of the worker writing straight to the host's stdout.
 */
export function forwardConsole(post: (message: PluginMessage) => void): void {
  const target = console as unknown as Record<string, unknown>;
  for (const [method, level] of Object.entries(METHODS)) {
    target[method] = (...args: unknown[]) => {
      try {
        post({ type: "log", level, text: format(args) });
      } catch {
        // Logging must never throw into plugin code.
      }
    };
  }
}
