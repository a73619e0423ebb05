/**
 * Inline plugins' console output, tagged and routed as the other tiers'
 * is. A worker or a child process has a console of its own, which its
 * runtime forwards; inline plugins share the host's, so its methods are
 * replaced once, when the first inline plugin starts, by ones that ask which
 * plugin's code runs now: a plugin's call is formatted as the other tiers'
 * runtimes format it and posted as that plugin's log message, anyone else's
 * goes to the method it replaced, untouched.
 *
 * @module
 */
import type { LogLevel } from "../../wire/protocol.ts";
import { droppedNotice, LogBudget, PLUGIN_LOG_LIMITS } from "../../wire/log_limit.ts";
import { logLines } from "../../wire/log_text.ts";
import {
  CONSOLE_LEVELS,
  formatConsoleArgs,
  inspectArg,
  printingConsole,
} from "../../runtime/console_format.ts";
import { activeContext } from "./plugin_context.ts";

let installed = false;

/** Replaces the host's console methods with ones that write inline plugins' calls as their logs. Once. */
export function installInlineConsole(): void {
  if (installed) return;
  installed = true;
  const target = console as unknown as Record<string, unknown>;
  for (const method of Object.keys(target)) {
    const original = target[method];
    if (typeof original !== "function") continue;
    target[method] = function (this: unknown, ...args: unknown[]): unknown {
      const context = activeContext();
      if (context !== undefined && context.write(method, args)) return undefined;
      return Reflect.apply(original, this, args);
    };
  }
}

/**
 * One inline plugin's console: each call formatted as the runtimes of the
 * other tiers format it, and handed to `post` as a log message, within the
 * same budget they apply (the host applies its own after).
 */
export class PluginConsole {
  readonly #budget: LogBudget;
  readonly #send: (level: LogLevel, text: string) => void;
  /** Deno's Console printing into `#send`, made on first use: counts, groups and timers are the plugin's own. */
  #printer: Record<string, unknown> | null | undefined;

  /** @param post Where a log message goes: the plugin's isolate events. */
  constructor(post: (level: LogLevel, text: string) => void) {
    this.#budget = new LogBudget(
      (dropped) => post("warn", droppedNotice(dropped)),
      PLUGIN_LOG_LIMITS,
    );
    // Cut and escaped as the host will (which does it again), so a huge message never crosses.
    this.#send = (level, text) => {
      const lines = logLines(text);
      const joined = lines.join("\n");
      if (this.#budget.admit(lines.length, joined.length)) post(level, joined);
    };
  }

  /**
   * Writes one console call. Never throws into plugin code.
   *
   * @returns `false` for a method it does not write (the host's console then prints it).
   */
  write(method: string, args: unknown[]): boolean {
    try {
      const level = Object.hasOwn(CONSOLE_LEVELS, method) ? CONSOLE_LEVELS[method] : undefined;
      if (level !== undefined) {
        // Over budget, a call costs a count: its arguments are not even formatted.
        if (!this.#budget.open) this.#budget.drop(1);
        else this.#send(level, formatConsoleArgs(args));
        return true;
      }
      this.#printer ??= printingConsole(this.#send) ?? null;
      const print = this.#printer?.[method];
      if (typeof print !== "function") return false;
      if (!this.#budget.open) this.#budget.drop(1);
      else {
        const cut = args.map((arg) => typeof arg === "string" ? inspectArg(arg) : arg);
        Reflect.apply(print, this.#printer, cut);
      }
    } catch {
      // Logging must never throw into plugin code.
    }
    return true;
  }
}
