/**
 * An estimate, from a module's tokens, of how deep Deno's parser will recurse
 * on it. A worker's modules are parsed on a thread of the host process, and a
 * recursion deeper than that thread's stack aborts the whole host, with no
 * error to catch ("thread 'tokio-runtime-worker' has overflowed its stack").
 * On Deno 2.9.6 a module of a few kilobytes did it, with any of: about 760
 * nested parentheses, 975 chained arrow functions, 1,020 nested type
 * arguments, 1,100–1,650 nested brackets, braces or template substitutions,
 * 1,400 nested `class extends`, 1,770 labels, or 4,700–6,100 chained
 * operators, member accesses, calls, `as` or `keyof`.
 *
 * Costs are in chained operators (a member-access chain crashed at 4,700, so
 * the limit of 2,000 is under half of that), each at or above the measured
 * ratio of its construct: a bracket level, `=>`, `class` and `function` cost
 * 8 (the worst measured is 6.2), `<` after a name (a type argument) 4, `:` (a
 * label) 3, any other operator 1. The cost of a bracket's contents adds to the
 * chain it opened in. A chain starts over where what follows is a sibling,
 * not a child: after `,` and `;`, and at a name that must begin a new
 * statement or member (see the scanner). The largest real module measured,
 * among 3,400 files of npm packages and bundles, reached 241.
 *
 * @module
 */

/** The highest estimate accepted: 250 nested brackets, or a chain of 2,000 operators. */
export const MAX_NESTING = 2000;
/** A bracket level, `=>`, `class` or `function`. */
export const DEEP = 8;
/** `<` after a name: a type argument (or a comparison). */
export const TYPE_ARGUMENT = 4;
/** `:`, which ends a label. */
export const COLON = 3;

/** The estimate passed {@linkcode MAX_NESTING}; `line` is where, once the scanner knows it. */
export class NestingTooDeepError extends Error {
  /** The 1-based line where the estimate passed the limit. */
  line = 0;

  /** Makes the error. */
  constructor() {
    super(`Cannot scan module: its code nests deeper than the estimate of ${MAX_NESTING} allows`);
    this.name = "NestingTooDeepError";
  }
}

/** Follows the estimate token by token; throws once it passes the limit. */
export class NestingGuard {
  /** The estimate where the innermost open bracket began, and the chain since. */
  #base = 0;
  #chain = 0;
  /** For each open bracket: the base and chain of the level around it. */
  readonly #outer: number[] = [];

  /** An operator that extends the current chain. */
  chain(cost = 1): void {
    this.#chain += cost;
    if (this.#base + this.#chain > MAX_NESTING) throw new NestingTooDeepError();
  }

  /** `(`, `[`, `{` or `${`: a level inside the current chain. */
  open(): void {
    this.#outer.push(this.#base, this.#chain);
    this.#base += this.#chain + DEEP;
    this.#chain = 0;
    if (this.#base > MAX_NESTING) throw new NestingTooDeepError();
  }

  /** The bracket's close: the group is one more link of the chain around it. */
  close(): void {
    if (this.#outer.length === 0) return; // unbalanced: the parser fails there
    this.#chain = this.#outer.pop()!;
    this.#base = this.#outer.pop()!;
    this.chain();
  }

  /** The end of an expression or statement: what follows is a sibling, not a child. */
  boundary(): void {
    this.#chain = 0;
  }
}
