/**
 * The layout of a frame on the process tier's stdio: the magic bytes
 * `1e 53 50 31` (`"\x1eSP1"`), on frames from a plugin's child the 16-byte
 * session tag, a 4-byte big-endian payload length, and the payload.
 *
 * @module
 */

/** The bytes every frame starts with: `"\x1eSP1"` (record separator, "SP", protocol 1). */
export const FRAME_MAGIC: Uint8Array = Uint8Array.of(0x1e, 0x53, 0x50, 0x31);

/** Magic plus length. */
export const FRAME_HEADER_BYTES = 8;

/** The largest payload a 4-byte length can describe. */
export const MAX_FRAME_BYTES = 0xffff_ffff;

/** Length of the session tag on frames from a plugin's child. */
export const TAG_BYTES = 16;
