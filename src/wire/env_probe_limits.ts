/**
 * How much a plugin may tell the host about the environment variables it was
 * refused. The runtime keeps within these, and the host enforces them again,
 * as a hostile runtime may send anything.
 *
 * @module
 */

/** The most distinct variable names a plugin's isolate reports; later probes go unreported. */
export const MAX_ENV_PROBES = 64;

/** The most characters of a probed variable's name that reach the host. */
export const MAX_ENV_NAME_CHARS = 256;
