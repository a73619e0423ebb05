// A greeter that examples/hot_reload.ts rewrites on disk while its host calls it: each version
// greets in another language, and every reply names the version that made it.

/** This version, as plugin.json gives it. */
export const VERSION = "1.0.0";

/** This version's word of greeting. */
export const GREETING = "Hello";

/** What `greet()` answers: the greeting, and which version made it. */
export interface Greeting {
  version: string;
  text: string;
}

/**
 * Greets `name`.
 *
 * @param name Who to greet.
 * @returns The greeting, and this version.
 */
export function greet(name: string): Greeting {
  return { version: VERSION, text: `${GREETING}, ${name}!` };
}
