/**
 * Plugin text made safe to print on the host's terminal: log lines, error
 * messages, a crashed child's last words. A plugin must not be able to write
 * a line that looks like someone else's (a `\r` or a bare line break followed
 * by `[billing] …`), drive the terminal (window title, OSC 52 clipboard,
 * clearing the screen), reorder what is shown (bidi overrides), or make the
 * host build a string too long for V8 (about 2^29 characters).
 *
 * @module
 */

import type { LogLevel } from "./protocol.ts";
import { capText } from "./bounded_error.ts";

/** The longest line kept, in UTF-16 code units; the rest is replaced by a marker. */
export const MAX_LINE_CHARS = 16_384;
/** The longest log message kept before it is split into lines. */
export const MAX_MESSAGE_CHARS = 65_536;

// C0 controls but tab and line feed, DEL, C1 controls; line and paragraph separators; the bidi
// embeddings, overrides and isolates and the Arabic letter mark, which can reorder what a line shows.
// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_OR_NEWLINE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r" };

function escape(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * Makes plugin text safe to print as (part of) one line: every control
 * character, line break included, becomes a visible escape such as `\x1b`,
 * and the text is cut to `maxChars` with a `… (N more characters)` marker
 * (escapes can then make it up to six times as long). Tabs are kept: they
 * cannot move the cursor off the line.
 *
 * @param text The plugin's text; a non-string is turned into one.
 * @param maxChars The longest text kept, in UTF-16 code units.
 * @returns The text, on one line, without control characters.
 */
export function neutraliseText(text: unknown, maxChars: number = MAX_LINE_CHARS): string {
  const raw = typeof text === "string" ? text : String(text);
  // Cut first: the escapes (at most six characters each) then work on a bounded string.
  return capText(raw, maxChars).replace(UNSAFE_OR_NEWLINE, escape);
}

/**
 * Splits a plugin's log message into lines safe to print one by one, each
 * to be tagged with the plugin's name: `\n` and `\r\n` end a line, any other
 * control character is escaped (a lone `\r` too, so it cannot return to the
 * start of a tagged line and overwrite it), each line is cut to
 * {@linkcode MAX_LINE_CHARS} and the message to {@linkcode MAX_MESSAGE_CHARS}.
 *
 * @param text The plugin's log message; a non-string is turned into one.
 * @returns At least one line; none holds a control character but tab.
 */
export function logLines(text: unknown): string[] {
  const raw = typeof text === "string" ? text : String(text);
  // Only the first MAX_MESSAGE_CHARS are split; what follows is counted on the last line's marker.
  const beyond = Math.max(0, raw.length - MAX_MESSAGE_CHARS);
  const lines = (beyond > 0 ? raw.slice(0, MAX_MESSAGE_CHARS) : raw).split(/\r?\n/);
  const last = lines.length - 1;
  return lines.map((line, at) =>
    capText(line, MAX_LINE_CHARS, at === last ? beyond : 0).replace(UNSAFE, escape)
  );
}

const LEVELS: ReadonlySet<unknown> = new Set<LogLevel>(["debug", "info", "log", "warn", "error"]);

/**
 * A log level a plugin claims, if it is one of the known levels; anything
 * else (say `"FORGED-LEVEL"`) becomes `"log"`, so a log sink only ever sees
 * the levels it was promised.
 *
 * @param level The level as the plugin sent it.
 * @returns A {@linkcode LogLevel}.
 */
export function knownLevel(level: unknown): LogLevel {
  return LEVELS.has(level) ? level as LogLevel : "log";
}

const encoder = new TextEncoder();

/**
 * Prints plugin text to the host's stderr, each line as `[<plugin>] <line>`.
 * Never throws: with the host's stderr closed the text has nowhere to go.
 *
 * @param plugin The plugin's name (a manifest name: lowercase letters, digits, dashes).
 * @param text The plugin's text, neutralised here whatever it holds.
 */
export function writeTagged(plugin: string, text: string): void {
  try {
    const bytes = encoder.encode(logLines(text).map((line) => `[${plugin}] ${line}\n`).join(""));
    for (let done = 0; done < bytes.length;) done += Deno.stderr.writeSync(bytes.subarray(done));
  } catch {
    // The host's stderr is closed or broken: losing a log line must not end the host.
  }
}
