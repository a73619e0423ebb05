/**
 * The process tier's handling of what a child writes outside the protocol:
 * log lines, and the last words that explain an unexpected exit.
 *
 * @module
 */
import { MAX_LINE_CHARS, neutraliseText, writeTagged } from "../../wire/log_text.ts";

// A crash message quotes the child's last words: enough to explain, not a log of its own.
const MAX_LAST_WORDS_CHARS = 1_000;

/** One line a plugin's process wrote outside the protocol. */
export interface ProcessLogLine {
  /** The plugin's name. */
  plugin: string;
  /** `"stderr"`, or `"stdout"` for bytes written to stdout outside any frame. */
  stream: "stdout" | "stderr";
  /** The line, without its line break. */
  text: string;
}

/** Prints a plugin's log line to the host's stderr as `[<plugin>] <line>`, control characters escaped. */
export function writeLogLine(line: ProcessLogLine): void {
  writeTagged(line.plugin, line.text);
}

/** Splits a byte stream into lines. */
export class LineBuffer {
  readonly #decoder = new TextDecoder();
  readonly #onLine: (line: string) => void;
  #pending = "";

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  push(bytes: Uint8Array): void {
    this.#split(this.#pending + this.#decoder.decode(bytes, { stream: true }));
  }

  end(): void {
    this.#split(this.#pending + this.#decoder.decode());
    if (this.#pending !== "") this.#onLine(this.#pending);
    this.#pending = "";
  }

  #split(text: string): void {
    const lines = text.split("\n");
    let rest = lines.pop() ?? "";
    for (const line of lines) this.#onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
    while (rest.length > MAX_LINE_CHARS) {
      this.#onLine(rest.slice(0, MAX_LINE_CHARS));
      rest = rest.slice(MAX_LINE_CHARS);
    }
    this.#pending = rest;
  }
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** The most telling of the child's last stderr lines: Deno's `error:` line or V8's fatal line, else the last one. */
function lastWords(lines: readonly string[]): string | undefined {
  const clean = lines.map((line) => line.replace(ANSI, "").replace(/^#\s*/, "").trim())
    .filter((line) => line !== "");
  return clean.findLast((line) => /^error: |^Fatal |panicked/.test(line)) ?? clean.at(-1);
}

/** Why a child ended, for the crash error: its exit code or signal, and its last words. */
export function describeExit(status: Deno.CommandStatus, tail: readonly string[]): string {
  const how = status.signal === null
    ? `its process exited with code ${status.code}`
    : `its process was killed by ${status.signal} (exit code ${status.code})`;
  const words = lastWords(tail);
  return words === undefined
    ? how
    : `${how}; last output: ${neutraliseText(words, MAX_LAST_WORDS_CHARS)}`;
}
