/**
 * What a walk over a value (`value_check.ts`) remembers of the objects it has
 * met, so that a cycle ends it.
 *
 * Only a cycle must end a walk, and a cycle always leads back to an object
 * on the way down, so first only those are remembered: a short stack,
 * searched in a few nanoseconds, where a Set would give each object an
 * identity hash (about 100 ns for an object that had none). An object that
 * two others hold is then walked twice, which a hostile value could multiply
 * (each level holding the next twice): past {@linkcode MAX_VISITS} objects
 * the walk starts again with every object remembered in a Set.
 *
 * @module
 */

/** Objects walked before a walk that remembers only the way down starts again with a Set. */
export const MAX_VISITS = 100_000;

/** Thrown by {@linkcode Seen.enter} to start the walk again with a Set. */
export const RESTART: unique symbol = Symbol("restart the walk with a Set");

/** What a forgotten slot holds: an object, so that the stack keeps one kind of element. */
const EMPTY = {};

/** The objects a walk has met: the way down to where it is, or all of them. */
export class Seen {
  readonly #stack: object[] = [];
  #deepest = 0;
  #visits = 0;
  #all: Set<object> | undefined;

  /** Remembers every object from now on (the walk starts again). */
  rememberAll(): void {
    this.clear();
    this.#all = new Set();
  }

  /**
   * Enters `value` at `depth`: false when it was met before (an object on the
   * way down, or any object once all are remembered), so that it is not
   * walked again.
   *
   * @throws {typeof RESTART} Past {@linkcode MAX_VISITS} objects, when only the way down is remembered.
   */
  enter(value: object, depth: number): boolean {
    const all = this.#all;
    if (all !== undefined) {
      if (all.has(value)) return false;
      all.add(value);
      return true;
    }
    const stack = this.#stack;
    for (let index = 0; index < depth; index++) if (stack[index] === value) return false;
    if (++this.#visits > MAX_VISITS) throw RESTART;
    stack[depth] = value;
    if (depth > this.#deepest) this.#deepest = depth;
    return true;
  }

  /**
   * Counts a visit of an object that is not remembered (the quick walk of
   * plain records, `value_quick.ts`), toward the same bound.
   *
   * @throws {typeof RESTART} Past {@linkcode MAX_VISITS} objects, when only the way down is remembered.
   */
  tally(): void {
    if (this.#all === undefined && ++this.#visits > MAX_VISITS) throw RESTART;
  }

  /** Forgets every object, so that none is held past the walk. */
  clear(): void {
    const stack = this.#stack;
    for (let index = 0; index <= this.#deepest; index++) stack[index] = EMPTY;
    this.#deepest = 0;
    this.#visits = 0;
    this.#all = undefined;
  }
}
