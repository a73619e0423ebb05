import type { LogLevel, PluginMessage } from "../wire/protocol.ts";
import { droppedNotice, LogBudget, PLUGIN_LOG_LIMITS } from "../wire/log_limit.ts";
import { logLines, MAX_LINE_CHARS } from "../wire/log_text.ts";
import { capText } from "../wire/bounded_error.ts";
import { forwardStdio } from "./forward_stdio.ts";

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

// Captured before plugin code runs, which could replace them.
const denoInspect = Deno.inspect;

/**
 * A value as the console shows it. A string is cut to a line's length before
 * formatting copies it, so the marker counts what the plugin wrote (Deno's
 * inspect already cuts the strings inside objects).
 */
function inspect(value: unknown): string {
  return typeof value === "string"
    ? capText(value, MAX_LINE_CHARS)
    : denoInspect(value, { colors: false });
}

/** Formats console arguments as the console does: `%s %d %i %f %o %O %j %c` in a leading string, the rest joined. */
function format(args: unknown[]): string {
  if (typeof args[0] !== "string" || !args[0].includes("%")) return args.map(inspect).join(" ");
  let index = 1;
  const head = inspect(args[0]).replace(/%[sdifoOjc%]/g, (spec) => {
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

/** Deno's Console, whose methods format exactly as the console does and print through a given function. */
type ConsoleClass = new (print: (text: string, level: number) => void) => Record<string, unknown>;

// The levels Deno's Console passes to its print function: 0 debug, 1 log, 2 warn, 3 error, 4 trace.
const PRINT_LEVELS: readonly LogLevel[] = ["debug", "log", "warn", "error", "error"];

function denoConsole(): ConsoleClass | undefined {
  const deno = Deno as unknown as Record<symbol, { Console?: unknown } | undefined>;
  const Console = deno[(Deno as unknown as { internal: symbol }).internal]?.Console;
  return typeof Console === "function" ? Console as ConsoleClass : undefined;
}

/**
 * Every console method but {@linkcode METHODS} (assert, count, group, time,
 * clear …) formats in Deno's own Console and prints into `send`, instead of
 * on the process's stdio, which in a worker is the host's terminal.
 */
function forwardOtherMethods(
  target: Record<string, unknown>,
  budget: LogBudget,
  send: (level: LogLevel, text: string) => void,
): void {
  const Console = denoConsole();
  if (Console === undefined) return;
  const printer = new Console((text, level) => {
    const line = text.endsWith("\n") ? text.slice(0, -1) : text;
    if (line !== "") send(PRINT_LEVELS[level] ?? "log", line);
  });
  for (const key of Object.keys(target)) {
    const method = printer[key];
    if (typeof method !== "function" || Object.hasOwn(METHODS, key)) continue;
    target[key] = (...args: unknown[]) => {
      try {
        if (!budget.open) return budget.drop(1);
        const cut = args.map((arg) => typeof arg === "string" ? inspect(arg) : arg);
        Reflect.apply(method, printer, cut);
      } catch {
        // Logging must never throw into plugin code.
      }
    };
  }
}

/** Options of {@linkcode forwardConsole}. */
export interface ForwardConsoleOptions {
  /**
   * Whether to forward `Deno.stdout` and `Deno.stderr` too, and cut the
   * isolate's other ways to the process's stdio: for a worker, whose stdio
   * is the host's own.
   *
   * @default {false}
   */
  stdio?: boolean;
}

/**
 * Sends what plugin code writes with `console.*` to the host as log messages,
 * so that the host can tag each line with the plugin's name and route it,
 * instead of the worker writing straight to the host's stdout. Within a
 * budget: a plugin logging in a loop would otherwise flood the host's message
 * queue faster than the host can drop what is over its own budget.
 */
export function forwardConsole(
  post: (message: PluginMessage) => void,
  options: ForwardConsoleOptions = {},
): void {
  const budget = new LogBudget(
    (dropped) => post({ type: "log", level: "warn", text: droppedNotice(dropped) }),
    PLUGIN_LOG_LIMITS,
  );
  /** Sends one message, cut and escaped as the host will (which does it again), so a huge line never crosses. */
  const send = (level: LogLevel, text: string) => {
    const lines = logLines(text);
    const joined = lines.join("\n");
    if (budget.admit(lines.length, joined.length)) post({ type: "log", level, text: joined });
  };
  const target = console as unknown as Record<string, unknown>;
  forwardOtherMethods(target, budget, send);
  for (const [method, level] of Object.entries(METHODS)) {
    target[method] = (...args: unknown[]) => {
      try {
        // Over budget, a call costs a count: its arguments are not even formatted.
        if (!budget.open) return budget.drop(1);
        send(level, format(args));
      } catch {
        // Logging must never throw into plugin code.
      }
    };
  }
  if (options.stdio) forwardStdio((text) => send("log", text));
}
