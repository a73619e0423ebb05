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

function inspect(value: unknown): string {
  return typeof value === "string" ? value : Deno.inspect(value, { colors: false });
}

/** Formats console arguments as the console does: `%s %d %i %f %o %O %j %c` in a leading string, the rest joined. */
function format(args: unknown[]): string {
  if (typeof args[0] !== "string" || !args[0].includes("%")) return args.map(inspect).join(" ");
  let index = 1;
  const head = args[0].replace(/%[sdifoOjc%]/g, (spec) => {
    if (spec === "%%") return "%";
    if (index >= args.length) return spec;
    const value = args[index++];
    switch (spec) {
      case "%s":
        return inspect(value);
      case "%d":
        return String(Number(value));
      case "%i":
        return String(Math.trunc(Number(value)));
      case "%f":
        return String(Number(value));
      case "%c":
        return "";
      default:
        return inspect(value);
    }
  });
  return [head, ...args.slice(index).map(inspect)].join(" ");
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
