/**
 * A progress line on stderr for work that takes more than a moment (starting
 * a plugin process, hashing a graph): it appears only after a short delay, so
 * quick commands print nothing extra, only on a terminal, and it is erased
 * before anything else is written and when the work ends.
 *
 * @module
 */

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Options of {@linkcode Progress}. */
export interface ProgressOptions {
  /** Whether to show anything: stderr is a terminal. */
  readonly enabled: boolean;
  /** Writes to the terminal, as it is (no newline added). */
  readonly write: (text: string) => void;
  /** Styles the line; identity when colours are off. @default {identity} */
  readonly dim?: (text: string) => string;
  /** How long work runs before the line appears. @default {300} */
  readonly delayMs?: number;
  /** How often the line is redrawn while shown. @default {100} */
  readonly intervalMs?: number;
  /** The terminal's width, to keep the line on one row. @default {the console's columns} */
  readonly columns?: () => number;
}

function consoleColumns(): number {
  try {
    // A pseudo-terminal nobody sized reports 0 columns.
    return Deno.consoleSize().columns || 80;
  } catch {
    return 80;
  }
}

/** One progress line, reused by each step of a command. */
export class Progress implements Disposable {
  readonly #options: ProgressOptions;
  #label = "";
  #since = 0;
  #frame = 0;
  #shown = false;
  #delay: ReturnType<typeof setTimeout> | undefined;
  #ticker: ReturnType<typeof setInterval> | undefined;

  constructor(options: ProgressOptions) {
    this.#options = options;
  }

  /** Whether the line is on the terminal now. */
  get shown(): boolean {
    return this.#shown;
  }

  /** Says what the command is doing; the line appears once work has run `delayMs`. */
  start(label: string): void {
    this.#label = label;
    if (!this.#options.enabled) return;
    if (this.#delay === undefined && this.#ticker === undefined) {
      this.#since = performance.now();
      this.#delay = setTimeout(() => {
        this.#delay = undefined;
        this.#ticker = setInterval(() => this.#draw(), this.#options.intervalMs ?? 100);
        this.#draw();
      }, this.#options.delayMs ?? 300);
    } else if (this.#shown) {
      this.#draw();
    }
  }

  /** Erases the line for other output; the next tick draws it again. */
  clear(): void {
    if (!this.#shown) return;
    this.#options.write("\r\x1b[K");
    this.#shown = false;
  }

  /** Ends the work: no line appears any more, and one shown is erased. */
  stop(): void {
    clearTimeout(this.#delay);
    clearInterval(this.#ticker);
    this.#delay = undefined;
    this.#ticker = undefined;
    this.clear();
  }

  /** Runs `work` with the line saying `label`, and stops the line when it settles. */
  async around<T>(label: string, work: () => Promise<T>): Promise<T> {
    this.start(label);
    try {
      return await work();
    } finally {
      this.stop();
    }
  }

  [Symbol.dispose](): void {
    this.stop();
  }

  #draw(): void {
    const frame = FRAMES[this.#frame++ % FRAMES.length];
    const seconds = ((performance.now() - this.#since) / 1000).toFixed(1);
    const width = Math.max(20, (this.#options.columns ?? consoleColumns)() - 1);
    let text = `${frame} ${this.#label} ${seconds}s`;
    // One row: a wrapped line could not be erased with a carriage return.
    if (text.length > width) text = `${text.slice(0, width - 1)}…`;
    this.#options.write(`\r\x1b[K${(this.#options.dim ?? ((t) => t))(text)}`);
    this.#shown = true;
  }
}
