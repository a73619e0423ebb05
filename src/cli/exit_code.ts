/**
 * The `sandplug` command's exit codes, the same for every command, so that a
 * script can tell "the plugins have problems" from "the command was wrong".
 *
 * @module
 */

/** All is well: the check passed, the call returned, the lock matches. */
export const EXIT_OK = 0;

/** The command ran and found problems: a bad plugin, a failed call, a changed lock, a widening diff. */
export const EXIT_PROBLEMS = 1;

/** The command itself was wrong: an unknown option, a missing argument, a path that does not exist. */
export const EXIT_USAGE = 2;

/** One of the exit codes. */
export type ExitCode = typeof EXIT_OK | typeof EXIT_PROBLEMS | typeof EXIT_USAGE;

/**
 * A mistake in the command line: printed with the command's name and a
 * pointer to its `--help`, and exit code {@linkcode EXIT_USAGE}.
 */
export class UsageError extends Error {
  /**
   * @param message What is wrong and how to fix it: "Cannot X: current value is Y; do Z".
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}
