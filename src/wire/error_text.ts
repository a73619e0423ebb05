/**
 * What was thrown, as one line of text: `Name: message` for an error, else
 * its string form. Never throws, whatever was thrown (a hostile value's
 * `toString` may).
 *
 * @param error Anything thrown.
 * @returns Text for a message that explains what failed.
 */
export function errorText(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return "an error that cannot be described";
  }
}
