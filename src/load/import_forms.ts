/**
 * The import forms the import scanner recognises, followed token by token:
 * `import "x"`, `… from "x"`, and `import("x")` or `import("x", { with })`
 * whose first argument is the whole string. The scanner tells it of each
 * token; it keeps only where the tokens just seen stand in a form.
 *
 * @module
 */

// Where the tokens just seen stand in an import form.
const NONE = 0;
const AFTER_IMPORT = 1;
const AFTER_FROM = 2;
const AFTER_IMPORT_PAREN = 3;
const AFTER_IMPORT_ARGUMENT = 4;

// The punctuators that matter to a form (code units).
const LF = 0x0a, OPEN_PAREN = 0x28, CLOSE_PAREN = 0x29, COMMA = 0x2c;

/**
 * Follows a module's tokens through the import forms and reports each
 * literal specifier, with its line, as its form completes.
 */
export class ImportForms {
  readonly #source: string;
  readonly #found: (specifier: string, line: number) => void;
  #state = NONE;
  /** Where the string argument of `import(` lies, until its `)` or `,` shows it is the whole argument. */
  #argumentStart = 0;
  #argumentEnd = 0;
  /** The line at index {@linkcode #counted}. */
  #line = 1;
  #counted = 0;

  /**
   * @param source The module's text.
   * @param found Called with each specifier, as written, and its 1-based line.
   */
  constructor(source: string, found: (specifier: string, line: number) => void) {
    this.#source = source;
    this.#found = found;
  }

  /** A string, or a whole template without substitutions, whose text lies from `start` to `end`. */
  literal(start: number, end: number): void {
    const state = this.#state;
    this.#state = NONE;
    if (state === AFTER_IMPORT || state === AFTER_FROM) {
      this.#report(start, end);
    } else if (state === AFTER_IMPORT_PAREN) {
      this.#argumentStart = start;
      this.#argumentEnd = end;
      this.#state = AFTER_IMPORT_ARGUMENT;
    }
  }

  /** A punctuator, by its code (a code unit, or a code of its own for one of several units). */
  punct(code: number): void {
    const state = this.#state;
    this.#state = NONE;
    if (state === AFTER_IMPORT && code === OPEN_PAREN) {
      this.#state = AFTER_IMPORT_PAREN;
    } else if (state === AFTER_IMPORT_ARGUMENT && (code === CLOSE_PAREN || code === COMMA)) {
      // Literal only when the string is the whole first argument: import("x") or import("x", { with }).
      this.#report(this.#argumentStart, this.#argumentEnd);
    }
  }

  /**
   * A name; `afterDot` when it follows `.` or `?.` (a property, never a keyword).
   * `from "x"` only ever closes an import or export; counting it anywhere errs on the safe side.
   */
  name(name: string, afterDot: boolean): void {
    this.#state = afterDot
      ? NONE
      : name === "import"
      ? AFTER_IMPORT
      : name === "from"
      ? AFTER_FROM
      : NONE;
  }

  /** Any other token: a number, a regular expression, a template with substitutions. */
  other(): void {
    this.#state = NONE;
  }

  /** The line of `index`; lines are counted only up to each index asked, which come in order. */
  lineAt(index: number): number {
    const source = this.#source;
    for (let at = this.#counted; at < index; at++) {
      if (source.charCodeAt(at) === LF) this.#line++;
    }
    this.#counted = Math.max(this.#counted, index);
    return this.#line;
  }

  #report(start: number, end: number): void {
    this.#found(this.#source.slice(start, end), this.lineAt(start));
  }
}
