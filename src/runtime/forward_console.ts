import type { LogLevel, PluginMessage } from "../wire/protocol.ts";
import { droppedNotice, LogBudget, PLUGIN_LOG_LIMITS } from "../wire/log_limit.ts";
import { logLines } from "../wire/log_text.ts";
import { forwardStdio } from "./forward_stdio.ts";
import {
  CONSOLE_LEVELS as METHODS,
  formatConsoleArgs as format,
  inspectArg as inspect,
  printingConsole,
} from "./console_format.ts";

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
  const printer = printingConsole(send);
  if (printer === undefined) return;
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
