/**
 * How a plugin's `console.*` call becomes log text, the same in every tier:
 * which level each method logs at, and the text its arguments make.
 *
 * @module
 */
import type { LogLevel } from "../wire/protocol.ts";
import { MAX_LINE_CHARS } from "../wire/log_text.ts";
import { capText } from "../wire/bounded_error.ts";

/** The console methods formatted here, and the level each logs at. */
export const CONSOLE_LEVELS: Readonly<Record<string, LogLevel>> = {
  debug: "debug",
  info: "info",
  log: "log",
  warn: "warn",
  error: "error",
  trace: "debug",
  dir: "log",
  table: "log",
};

// Captured before plugin code runs, which could replace it.
const denoInspect = Deno.inspect;

/**
 * A value as the console shows it. A string is cut to a line's length before
 * formatting copies it, so the marker counts what the plugin wrote (Deno's
 * inspect already cuts the strings inside objects).
 */
export function inspectArg(value: unknown): string {
  return typeof value === "string"
    ? capText(value, MAX_LINE_CHARS)
    : denoInspect(value, { colors: false });
}

/** Formats console arguments as the console does: `%s %d %i %f %o %O %j %c` in a leading string, the rest joined. */
export function formatConsoleArgs(args: readonly unknown[]): string {
  if (typeof args[0] !== "string" || !args[0].includes("%")) return args.map(inspectArg).join(" ");
  let index = 1;
  const head = inspectArg(args[0]).replace(/%[sdifoOjc%]/g, (spec) => {
    if (spec === "%%") return "%";
    if (index >= args.length) return spec;
    const value = args[index++];
    switch (spec) {
      case "%s":
        return inspectArg(value);
      case "%d":
        return String(Number(value));
      case "%i":
        return String(Math.trunc(Number(value)));
      case "%f":
        return String(Number(value));
      case "%c":
        return "";
      default:
        return inspectArg(value);
    }
  });
  return [head, ...args.slice(index).map(inspectArg)].join(" ");
}

/** Deno's Console, whose methods format exactly as the console does and print through a given function. */
type ConsoleClass = new (
  print: (text: string, level: number) => void,
) => Record<string, unknown>;

// The levels Deno's Console passes to its print function: 0 debug, 1 log, 2 warn, 3 error, 4 trace.
const PRINT_LEVELS: readonly LogLevel[] = ["debug", "log", "warn", "error", "error"];

/** Deno's own Console class, when this Deno exposes it. */
function denoConsole(): ConsoleClass | undefined {
  const deno = Deno as unknown as Record<symbol, { Console?: unknown } | undefined>;
  const Console = deno[(Deno as unknown as { internal: symbol }).internal]?.Console;
  return typeof Console === "function" ? Console as ConsoleClass : undefined;
}

/**
 * A console that formats as Deno's does (counts, groups, timers, asserts …)
 * and hands each line to `send` with its level, instead of printing it.
 * Undefined when this Deno does not expose its Console class.
 */
export function printingConsole(
  send: (level: LogLevel, text: string) => void,
): Record<string, unknown> | undefined {
  const Console = denoConsole();
  if (Console === undefined) return undefined;
  return new Console((text, level) => {
    const line = text.endsWith("\n") ? text.slice(0, -1) : text;
    if (line !== "") send(PRINT_LEVELS[level] ?? "log", line);
  });
}
