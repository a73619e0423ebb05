/**
 * Reads a file from a plugin folder with a bound on its size, for the host's
 * load-time checks. The size a stat reports is checked before a byte is read,
 * because a sparse file costs a few kilobytes of disk and reads as any number
 * of NUL bytes; and no more than `limit + 1` bytes are ever read, because the
 * file can grow between the stat and the read.
 *
 * @module
 */

/** A file holds more bytes than its reader allows. */
export class FileTooLargeError extends Error {
  /** The size the stat reported, or when the file grew after it, the bytes read: `limit + 1`. */
  readonly size: number;
  /** The most bytes the reader allowed. */
  readonly limit: number;
  /** Whether the file grew past the limit after the stat, so that `size` is a lower bound. */
  readonly grew: boolean;

  /**
   * Makes the error.
   *
   * @param path The file's path.
   * @param size Its size in bytes (or a lower bound).
   * @param limit The most bytes allowed.
   * @param grew Whether `size` is a lower bound.
   */
  constructor(path: string, size: number, limit: number, grew = false) {
    super(
      `Cannot read ${path}: it ${
        grew ? "grew past" : "is"
      } ${size} bytes, over the limit of ${limit}`,
    );
    this.name = "FileTooLargeError";
    this.size = size;
    this.limit = limit;
    this.grew = grew;
  }
}

/**
 * Reads a regular file of at most `limit` bytes, synchronously (see the
 * callers for why). Never opens anything but a regular file: a FIFO or device
 * would block the host's thread.
 *
 * @param path The file's path.
 * @param limit The most bytes to accept.
 * @returns The bytes, or undefined when the path is not a regular file.
 * @throws {FileTooLargeError} When the stat size, or the bytes actually there, exceed `limit`.
 * @throws {Deno.errors.NotFound} And the other file system errors of stat, open and read.
 */
export function readBounded(path: string, limit: number): Uint8Array | undefined {
  const info = Deno.statSync(path);
  if (!info.isFile) return undefined;
  if (info.size > limit) throw new FileTooLargeError(path, info.size, limit);
  using file = Deno.openSync(path);
  // One byte of room past the expected size shows the end of file in the same pass.
  let buffer = new Uint8Array(info.size + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > limit) throw new FileTooLargeError(path, length, limit, true);
      const grown = new Uint8Array(Math.min(length * 2, limit + 1));
      grown.set(buffer);
      buffer = grown;
    }
    const read = file.readSync(buffer.subarray(length));
    if (read === null) break;
    length += read;
  }
  return buffer.subarray(0, length);
}

/** A byte count for messages: `9.0 MiB (9437184 bytes)`. */
export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  const shown = mib >= 0.1 ? `${mib.toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
  return `${shown} (${bytes} bytes)`;
}
