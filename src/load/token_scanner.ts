/**
 * The tokenizer of the import scanner: one pass over a module's text that
 * keeps only the previous token (a few numbers and at most a keyword-sized
 * name) and one byte per open bracket, so that its time is linear and its
 * memory small whatever the bytes are.
 *
 * @module
 */
import {
  ByteStack,
  classOf,
  DIGIT,
  lineEnd,
  NAME_START,
  nameEnd,
  numberEnd,
  regexEnd,
  SPACE,
  stringEnd,
  templateEnd,
} from "./scan_text.ts";
import { COLON, DEEP, NestingGuard, NestingTooDeepError, TYPE_ARGUMENT } from "./nesting_guard.ts";
import type { ImportForms } from "./import_forms.ts";

// deno-fmt-ignore
const KEYWORDS_BEFORE_EXPRESSION = new Set([
  "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do",
  "else", "yield", "await", "extends",
]);
const CONTROL_KEYWORDS = new Set(["if", "while", "for", "with"]);
/**
 * Names that continue the statement before them rather than start a new one
 * (or that nest what follows, as TypeScript's type operators do): no new chain.
 */
// deno-fmt-ignore
const CONTINUING = new Set([
  "else", "catch", "finally", "while", "in", "instanceof", "of", "as", "satisfies", "is",
  "extends", "implements", "keyof", "readonly", "infer", "unique", "asserts",
]);
/** The longest name either set holds ("instanceof"): a longer name is never copied out of the text. */
const LONGEST_KEYWORD = 10;

// Token kinds.
const NONE = 0;
const NAME = 1;
const LITERAL = 2; // a string, or a whole template without substitutions
const PUNCT = 3;
const OTHER = 4; // a regular expression, a number, or a template with substitutions

// What an open brace is: "/" after its close starts a regular expression unless it is an object.
const BLOCK = 0;
const OBJECT = 1;
const TEMPLATE = 2;

// Code units (local constants: imported ones cost a check on every use in the hot loop), and
// the three punctuators of more than one unit the scanner tells apart.
const LF = 0x0a, QUOTE = 0x22, APOSTROPHE = 0x27, OPEN_PAREN = 0x28, CLOSE_PAREN = 0x29;
const STAR = 0x2a, COMMA = 0x2c, DOT = 0x2e, SLASH = 0x2f, SEMICOLON = 0x3b, EQUALS = 0x3d;
const GREATER = 0x3e, QUESTION = 0x3f, CLOSE_BRACKET = 0x5d, BACKTICK = 0x60, DOLLAR = 0x24;
const LESS = 0x3c, OPEN_BRACKET = 0x5b, COLON_CODE = 0x3a;
const OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, ELLIPSIS = 0x10000, OPTIONAL_DOT = 0x10001;
const ARROW = 0x10002;

/**
 * One pass over a module's text, token by token: it skips comments and the
 * text of literals, tells a regular expression from a division, feeds the
 * nesting estimate, and tells the import forms of each token.
 */
export class TokenScanner {
  readonly #source: string;
  readonly #forms: ImportForms;
  #regexAllowed = true;
  /** For each open "(": 1 when its close ends a control head (then "/" starts a regex). */
  readonly #parens = new ByteStack();
  readonly #braces = new ByteStack();
  #previousKind = NONE;
  /** The previous token's punctuator code, or 0. */
  #previousPunct = 0;
  /** The previous token's name when it could be a keyword, or "". */
  #previousName = "";
  readonly #guard = new NestingGuard();
  /** Whether a line break came since the previous token. */
  #newline = false;
  /** Where the literal being recorded lies: its text is copied only for a specifier. */
  #literalStart = 0;
  #literalEnd = 0;

  constructor(source: string, forms: ImportForms) {
    this.#source = source;
    this.#forms = forms;
  }

  /**
   * Scans the whole text.
   *
   * @throws {NestingTooDeepError} When the nesting estimate passes its limit.
   */
  run(): void {
    const source = this.#source;
    let i = 0;
    try {
      while (i < source.length) {
        const code = source.charCodeAt(i);
        const next = source.charCodeAt(i + 1);
        const kind = classOf(code);
        if (kind & SPACE) {
          if (code === LF || code === 0x0d || code === 0x2028 || code === 0x2029) {
            this.#newline = true;
          }
          i++;
        } else if (code === SLASH && next === SLASH) {
          i = lineEnd(source, i + 2);
        } else if (code === SLASH && next === STAR) {
          const end = source.indexOf("*/", i + 2);
          i = end < 0 ? source.length : end + 2;
        } else if (code === QUOTE || code === APOSTROPHE) {
          i = this.#string(i, code);
        } else if (code === BACKTICK || (code === CLOSE_BRACE && this.#braces.top() === TEMPLATE)) {
          i = this.#template(i, code);
        } else if (code === SLASH && this.#regexAllowed) {
          i = this.#operand(OTHER, regexEnd(source, i));
        } else if (kind & NAME_START) {
          i = this.#name(i);
        } else if ((kind & DIGIT) || (code === DOT && (classOf(next) & DIGIT))) {
          i = this.#operand(OTHER, numberEnd(source, i));
        } else {
          i = this.#punctuator(i, code, next);
        }
      }
    } catch (error) {
      if (error instanceof NestingTooDeepError) error.line = this.#forms.lineAt(i);
      throw error;
    }
  }

  #string(i: number, quote: number): number {
    const end = stringEnd(this.#source, i + 1, quote);
    this.#literalToken(i + 1, end);
    this.#regexAllowed = false;
    return this.#source.charCodeAt(end) === quote ? end + 1 : end;
  }

  #template(i: number, opener: number): number {
    const source = this.#source;
    if (opener === CLOSE_BRACE) {
      this.#braces.pop();
      this.#guard.close();
    }
    const end = templateEnd(source, i + 1);
    const substitution = source.charCodeAt(end) === DOLLAR;
    // Only a whole template without substitutions is a literal specifier.
    if (opener === BACKTICK && !substitution) this.#literalToken(i + 1, end);
    else this.#token(OTHER, 0, "");
    if (substitution) {
      this.#braces.push(TEMPLATE);
      this.#guard.open();
    }
    this.#regexAllowed = substitution;
    return Math.min(end + (substitution ? 2 : 1), source.length);
  }

  #name(i: number): number {
    const source = this.#source;
    const end = nameEnd(source, i + 1);
    const name = end - i <= LONGEST_KEYWORD ? source.slice(i, end) : "";
    const isProperty = this.#afterDot();
    this.#token(NAME, 0, name);
    this.#regexAllowed = !isProperty && KEYWORDS_BEFORE_EXPRESSION.has(name);
    return end;
  }

  /** A token after which "/" is a division. */
  #operand(kind: number, end: number): number {
    this.#token(kind, 0, "");
    this.#regexAllowed = false;
    return end;
  }

  #punctuator(i: number, code: number, next: number): number {
    let punct = code;
    let length = 1;
    if (code === DOT && next === DOT && this.#source.charCodeAt(i + 2) === DOT) {
      punct = ELLIPSIS;
      length = 3;
    } else if (code === QUESTION && next === DOT) {
      punct = OPTIONAL_DOT;
      length = 2;
    } else if (code === EQUALS && next === GREATER) {
      punct = ARROW;
      length = 2;
    }
    if (punct === OPEN_PAREN) {
      const control = this.#previousKind === NAME && CONTROL_KEYWORDS.has(this.#previousName);
      this.#parens.push(control ? 1 : 0);
    } else if (punct === OPEN_BRACE) {
      this.#braces.push(this.#startsBlock() ? BLOCK : OBJECT);
    }
    this.#token(PUNCT, punct, "");
    if (punct === CLOSE_PAREN) this.#regexAllowed = this.#parens.pop() === 1;
    else if (punct === CLOSE_BRACKET) this.#regexAllowed = false;
    else if (punct === CLOSE_BRACE) this.#regexAllowed = this.#braces.pop() !== OBJECT;
    else this.#regexAllowed = true;
    return i + length;
  }

  #afterDot(): boolean {
    return this.#previousKind === PUNCT &&
      (this.#previousPunct === DOT || this.#previousPunct === OPTIONAL_DOT);
  }

  /** Whether a "{" here opens a block (after which "/" starts a regex) rather than an object. */
  #startsBlock(): boolean {
    const punct = this.#previousPunct;
    const name = this.#previousName;
    switch (this.#previousKind) {
      case NONE:
        return true;
      case PUNCT:
        return punct === CLOSE_PAREN || punct === SEMICOLON || punct === CLOSE_BRACE ||
          punct === OPEN_BRACE || punct === ARROW;
      case NAME:
        return !KEYWORDS_BEFORE_EXPRESSION.has(name) || name === "else" || name === "do";
      default:
        return false;
    }
  }

  #literalToken(start: number, end: number): void {
    this.#literalStart = start;
    this.#literalEnd = end;
    this.#token(LITERAL, 0, "");
  }

  /** Records a token: it feeds the nesting estimate, then the import forms. */
  #token(kind: number, punct: number, name: string): void {
    this.#nest(kind, punct, name);
    if (kind === LITERAL) this.#forms.literal(this.#literalStart, this.#literalEnd);
    else if (kind === NAME) this.#forms.name(name, this.#afterDot());
    else if (kind === PUNCT) this.#forms.punct(punct);
    else this.#forms.other();
    this.#previousKind = kind;
    this.#previousPunct = punct;
    this.#previousName = name;
  }

  /** Feeds the nesting estimate (see `nesting_guard.ts`). */
  #nest(kind: number, punct: number, name: string): void {
    const guard = this.#guard;
    if (kind === PUNCT) {
      if (punct === OPEN_PAREN || punct === OPEN_BRACKET || punct === OPEN_BRACE) guard.open();
      else if (punct === CLOSE_PAREN || punct === CLOSE_BRACKET || punct === CLOSE_BRACE) {
        guard.close();
      } else if (punct === COMMA || punct === SEMICOLON) guard.boundary();
      else if (punct === ARROW) guard.chain(DEEP);
      else if (punct === COLON_CODE) guard.chain(COLON);
      else if (punct === LESS) guard.chain(this.#previousKind === NAME ? TYPE_ARGUMENT : 1);
      else guard.chain(1);
    } else if (kind === NAME) {
      if (CONTINUING.has(name)) {
        guard.chain(1);
      } else {
        // A name after a block, or after an operand and a line break, begins a new statement
        // or member (the parser inserts the semicolon); after anything else it may be nested.
        const afterBlock = this.#previousKind === PUNCT && this.#previousPunct === CLOSE_BRACE &&
          this.#regexAllowed;
        if (afterBlock || (this.#newline && !this.#regexAllowed)) guard.boundary();
        if (name === "class" || name === "function") guard.chain(DEEP);
        else if (KEYWORDS_BEFORE_EXPRESSION.has(name)) guard.chain(1);
      }
    }
    this.#newline = false;
  }
}
