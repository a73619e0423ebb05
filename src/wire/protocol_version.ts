/**
 * The version of the host ↔ plugin wire protocol. The handshake fails when the
 * plugin's runtime speaks another one. Kept apart from `version.ts` so that
 * the plugin runtime loads no semver code.
 *
 * @example
 * ```ts
 * import { PROTOCOL_VERSION } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * assert.equal(PROTOCOL_VERSION, 3);
 * ```
 */
export const PROTOCOL_VERSION = 3;
