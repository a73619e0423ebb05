/**
 * Restart policies: what happens when a plugin crashes, and how they are
 * checked and filled in.
 *
 * @module
 */

/**
 * What happens when a plugin crashes: `"never"` restarts nothing;
 * `"on-failure"` restarts it with the defaults below; an object tunes them.
 */
export type RestartPolicy = "never" | "on-failure" | RestartOptions;

/** How a crashed plugin is restarted. */
export interface RestartOptions {
  /**
   * The most restarts within `windowMs`; one more crash ends the plugin for good.
   *
   * @default {5}
   */
  maxRestarts?: number;
  /**
   * The window in which restarts are counted, in milliseconds.
   *
   * @default {60000}
   */
  windowMs?: number;
  /**
   * The wait before the first restart in a window, doubled for each further one.
   *
   * @default {100}
   */
  backoffMs?: number;
  /**
   * The longest wait between restarts, in milliseconds.
   *
   * @default {5000}
   */
  maxBackoffMs?: number;
}

/** A restart policy with every number filled in; `maxRestarts: 0` means never. */
export type ResolvedRestart = Required<RestartOptions>;

const DEFAULTS: ResolvedRestart = {
  maxRestarts: 5,
  windowMs: 60_000,
  backoffMs: 100,
  maxBackoffMs: 5_000,
};

/**
 * Checks a restart policy and fills in the defaults.
 *
 * @throws {TypeError} When the policy is neither a known word nor an object.
 * @throws {RangeError} When a number is negative or not finite.
 */
export function resolveRestart(policy: RestartPolicy | undefined, where: string): ResolvedRestart {
  if (policy === undefined || policy === "never") return { ...DEFAULTS, maxRestarts: 0 };
  if (policy === "on-failure") return { ...DEFAULTS };
  if (typeof policy !== "object" || policy === null) {
    throw new TypeError(
      `Cannot ${where}: restart must be "never", "on-failure" or an options object; current value is ${
        JSON.stringify(policy)
      }`,
    );
  }
  const resolved = { ...DEFAULTS, ...policy };
  for (const key of Object.keys(DEFAULTS) as (keyof ResolvedRestart)[]) {
    const value = resolved[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(
        `Cannot ${where}: restart.${key} must be a number of at least 0; current value is ${
          String(value)
        }`,
      );
    }
  }
  return resolved;
}
