/**
 * Colours for terminal output: on only where the stream is a terminal and
 * `NO_COLOR` is not set (https://no-color.org), so that pipes, files and
 * `--json` consumers get plain text.
 *
 * @module
 */

/** The styles the command uses; each returns its text unchanged when colours are off. */
export interface Paint {
  readonly enabled: boolean;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

function style(enabled: boolean, open: number, close: number): (text: string) => string {
  return enabled ? (text) => `\x1b[${open}m${text}\x1b[${close}m` : (text) => text;
}

/** Styles that colour when `enabled`, and leave text as it is otherwise. */
export function paint(enabled: boolean): Paint {
  return {
    enabled,
    red: style(enabled, 31, 39),
    green: style(enabled, 32, 39),
    yellow: style(enabled, 33, 39),
    cyan: style(enabled, 36, 39),
    bold: style(enabled, 1, 22),
    dim: style(enabled, 2, 22),
  };
}

/** Whether `NO_COLOR` asks for no colour: set to anything but the empty string. */
export function noColorSet(): boolean {
  try {
    const value = Deno.env.get("NO_COLOR");
    return value !== undefined && value !== "";
  } catch {
    // Without env access the variable cannot be read: Deno's own view of it is the next best.
    return Deno.noColor;
  }
}

/** Whether `stream` is a terminal; false where that cannot be told. */
export function isTerminal(stream: { isTerminal(): boolean }): boolean {
  try {
    return stream.isTerminal();
  } catch {
    return false;
  }
}

/** Whether to colour what goes to `stream`: a terminal, and no `NO_COLOR`. */
export function wantsColour(stream: { isTerminal(): boolean }): boolean {
  return !noColorSet() && isTerminal(stream);
}
