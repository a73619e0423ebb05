/**
 * A plugin's log rate, bounded: a plugin that logs in a loop must not stall
 * the host (each line is a synchronous write to its stderr) nor grow its
 * memory. Lines over the budget are dropped and counted, and a notice says
 * how many, at most once a second. The plugin's runtime applies a budget
 * before a line leaves the plugin; the host applies its own, which is the one
 * that counts, since plugin code may bypass the runtime.
 *
 * @module
 */
import type { LogLevel } from "./protocol.ts";
import { knownLevel, logLines, MAX_MESSAGE_CHARS } from "./log_text.ts";

/** Token-bucket sizes: a sustained rate and a burst, in lines and in characters. */
export interface LogLimits {
  /** Lines a second, sustained. */
  readonly linesPerSecond: number;
  /** Lines at once after a quiet spell. */
  readonly burstLines: number;
  /** Characters a second, sustained. */
  readonly charsPerSecond: number;
  /** Characters at once after a quiet spell. */
  readonly burstChars: number;
}

/** The host's budget for each plugin. */
export const HOST_LOG_LIMITS: LogLimits = {
  linesPerSecond: 1_000,
  burstLines: 10_000,
  charsPerSecond: 1 << 20,
  burstChars: 4 << 20,
};

/** The runtime's budget: the host's rates with half its bursts, so lines in flight never hit the host's. */
export const PLUGIN_LOG_LIMITS: LogLimits = {
  ...HOST_LOG_LIMITS,
  burstLines: HOST_LOG_LIMITS.burstLines / 2,
  burstChars: HOST_LOG_LIMITS.burstChars / 2,
};

const NOTICE_MS = 1_000;

// Captured when this module loads, before any plugin code runs in the runtime that imports it.
const now = performance.now.bind(performance);
// Looked up when first needed: touching the timer global while a worker starts costs it ~5 ms.
// Plugin code that replaces it breaks only its own notices; the host keeps a budget of its own.
const schedule = (run: () => void, ms: number) => setTimeout(run, ms);

/** How many lines a log message makes, counted in the part of it that is kept. */
function countLines(text: string): number {
  // A slice of the kept part: a search of the whole text could scan hundreds of megabytes.
  const kept = text.length > MAX_MESSAGE_CHARS ? text.slice(0, MAX_MESSAGE_CHARS) : text;
  let lines = 1;
  for (let at = kept.indexOf("\n"); at !== -1; at = kept.indexOf("\n", at + 1)) lines++;
  return lines;
}

/**
 * One plugin's log budget. `admit` says whether a line may be written; a
 * line refused is counted, and `notice` is told the count at most once a
 * second, the last time within a second of the flood's end.
 */
export class LogBudget {
  readonly #limits: LogLimits;
  readonly #notice: (dropped: number) => void;
  #lines: number;
  #chars: number;
  #at = now();
  #dropped = 0;
  #scheduled = false;

  constructor(notice: (dropped: number) => void, limits: LogLimits = HOST_LOG_LIMITS) {
    this.#notice = notice;
    this.#limits = limits;
    this.#lines = limits.burstLines;
    this.#chars = limits.burstChars;
  }

  /** Whether a line may be written now, before the cost of formatting it is paid. */
  get open(): boolean {
    this.#refill();
    return this.#lines >= 1;
  }

  /** Takes `lines` lines of `chars` characters from the budget, or counts them dropped. */
  admit(lines: number, chars: number): boolean {
    this.#refill();
    if (this.#lines >= lines && this.#chars >= chars) {
      this.#lines -= lines;
      this.#chars -= chars;
      return true;
    }
    this.drop(lines);
    return false;
  }

  /** Counts `lines` dropped and makes sure a notice follows. */
  drop(lines: number): void {
    this.#dropped += lines;
    if (this.#scheduled) return;
    this.#scheduled = true;
    // Referenced: a host that is otherwise done waits up to a second rather than lose the count.
    schedule(() => this.#flush(), NOTICE_MS);
  }

  #flush(): void {
    this.#scheduled = false;
    const dropped = this.#dropped;
    this.#dropped = 0;
    if (dropped > 0) this.#notice(dropped);
  }

  #refill(): void {
    const at = now();
    const seconds = (at - this.#at) / 1000;
    this.#at = at;
    const { linesPerSecond, burstLines, charsPerSecond, burstChars } = this.#limits;
    this.#lines = Math.min(burstLines, this.#lines + seconds * linesPerSecond);
    this.#chars = Math.min(burstChars, this.#chars + seconds * charsPerSecond);
  }
}

/** The notice for lines dropped over the budget. */
export function droppedNotice(dropped: number): string {
  return `${dropped} log ${dropped === 1 ? "line" : "lines"} dropped (rate limit)`;
}

/**
 * Wraps a plugin's log sink for the host: the level is checked against the
 * known levels (anything else becomes `"log"`), the text is split into
 * neutralised lines ({@linkcode logLines}), and lines over the budget are
 * dropped and counted, with a `"warn"` notice of how many.
 *
 * @param sink Where admitted lines go, one line per call.
 * @param limits The budget.
 * @returns The sink to give whatever receives the plugin's log messages.
 */
export function limitLog(
  sink: (level: LogLevel, text: string) => void,
  limits: LogLimits = HOST_LOG_LIMITS,
): (level: LogLevel, text: string) => void {
  const budget = new LogBudget((dropped) => sink("warn", droppedNotice(dropped)), limits);
  return (level, text) => {
    const raw = typeof text === "string" ? text : String(text);
    // When the budget is spent, dropping costs a count of line breaks, not a split and escape.
    if (!budget.open) return budget.drop(countLines(raw));
    const known = knownLevel(level);
    for (const line of logLines(raw)) if (budget.admit(1, line.length)) sink(known, line);
  };
}
