/**
 * An option that must be a positive number, or its default when not given.
 *
 * @param where What was being done, e.g. `"create host"`.
 * @param name The option's name.
 * @param value The value given, if any.
 * @param fallback The default.
 * @param unit What the number counts, for the message.
 * @returns The value, or the default.
 * @throws {RangeError} When the value is not a finite number above 0.
 */
export function positiveOption(
  where: string,
  name: string,
  value: number | undefined,
  fallback: number,
  unit = "milliseconds",
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `Cannot ${where}: ${name} must be a positive number of ${unit}; current value is ${
        String(value)
      }`,
    );
  }
  return value;
}
