/**
 * Character classes and a bracket stack for the import scanner: lookups by
 * code unit in place of a regular expression per character, so that the scan
 * of a module costs a few operations per byte whatever its bytes are.
 *
 * @module
 */

// Character classes.
export const SPACE = 1;
export const NAME_START = 2;
export const NAME_PART = 4;
export const DIGIT = 8;
export const NUMBER_PART = 16;

const ASCII = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code);
  if (/\s/.test(char)) ASCII[code] |= SPACE;
  if (/[A-Za-z_$]/.test(char)) ASCII[code] |= NAME_START;
  if (/[A-Za-z0-9_$]/.test(char)) ASCII[code] |= NAME_PART;
  if (/[0-9]/.test(char)) ASCII[code] |= DIGIT;
  if (/[0-9A-Za-z_.]/.test(char)) ASCII[code] |= NUMBER_PART;
}
const UNICODE_SPACE = /\s/;

/**
 * The classes of a UTF-16 code unit; 0 for NaN (past the end). Above ASCII a
 * unit is a space (JavaScript's, as `\s` has them: U+00A0, U+2028, U+FEFF, …)
 * or part of a name: a space is never part of a name, or `import\u00a0"x"`
 * would hide an import that Deno loads.
 */
export function classOf(code: number): number {
  if (code < 128) return ASCII[code];
  if (!(code >= 128)) return 0;
  return UNICODE_SPACE.test(String.fromCharCode(code)) ? SPACE : NAME_START | NAME_PART;
}

/**
 * Whether a code unit ends a line for JavaScript: a `//` comment ends at a
 * carriage return or U+2028/U+2029 as well as at "\n", and what follows is
 * code that Deno loads.
 */
export function isLineTerminator(code: number): boolean {
  return code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
}

/** The index of the first line terminator at or after `i`, or the length of the text. */
export function lineEnd(source: string, i: number): number {
  while (i < source.length && !isLineTerminator(source.charCodeAt(i))) i++;
  return i;
}

/** A stack of small numbers, one byte each: the brackets open at a point of the text. */
export class ByteStack {
  #bytes = new Uint8Array(64);
  #length = 0;

  /** Adds `value` (0–255) on top. */
  push(value: number): void {
    if (this.#length === this.#bytes.length) {
      const grown = new Uint8Array(this.#length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes[this.#length++] = value;
  }

  /** The top value, removed; -1 when empty. */
  pop(): number {
    return this.#length === 0 ? -1 : this.#bytes[--this.#length];
  }

  /** The top value; -1 when empty. */
  top(): number {
    return this.#length === 0 ? -1 : this.#bytes[this.#length - 1];
  }
}

/** The index past the characters of a name that starts at `i`. */
export function nameEnd(source: string, i: number): number {
  while (i < source.length && (classOf(source.charCodeAt(i)) & NAME_PART)) i++;
  return i;
}

/** The index past the characters of a number that starts at `i`. */
export function numberEnd(source: string, i: number): number {
  while (i < source.length && (classOf(source.charCodeAt(i)) & NUMBER_PART)) i++;
  return i;
}

/**
 * The index of the quote that closes a string whose text starts at `i`; of
 * the line feed or the end of the text where an unterminated one stops, as
 * Deno's parser fails there too.
 */
export function stringEnd(source: string, i: number, quote: number): number {
  while (i < source.length) {
    const code = source.charCodeAt(i);
    if (code === quote || code === 0x0a) return i;
    i += code === 0x5c ? 2 : 1;
  }
  return source.length;
}

/** The index of the "`" or "${" that ends the part of a template starting at `i`, or the text's end. */
export function templateEnd(source: string, i: number): number {
  while (i < source.length) {
    const code = source.charCodeAt(i);
    if (code === 0x60 || (code === 0x24 && source.charCodeAt(i + 1) === 0x7b)) return i;
    i += code === 0x5c ? 2 : 1;
  }
  return source.length;
}

/**
 * The index past a regular expression literal whose "/" is at `i`, flags
 * included. It ends at its line's end at the latest, as a real one does, so
 * that taking a division for one hides no more than the rest of that line.
 */
export function regexEnd(source: string, i: number): number {
  let inClass = false;
  i++;
  while (i < source.length) {
    const code = source.charCodeAt(i);
    if (isLineTerminator(code)) break;
    if (code === 0x5c) {
      i += isLineTerminator(source.charCodeAt(i + 1)) ? 1 : 2;
      continue;
    }
    if (code === 0x5b) inClass = true;
    else if (code === 0x5d) inClass = false;
    else if (code === 0x2f && !inClass) break;
    i++;
  }
  if (source.charCodeAt(i) === 0x2f) i++;
  return nameEnd(source, i);
}
