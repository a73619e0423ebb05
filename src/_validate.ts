import type { z } from "zod";
import { ValidationError } from "./errors.ts";

function describePath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) out += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
  return out;
}

/**
 * Parses `value` with `schema`, returning the parsed output.
 *
 * @throws {ValidationError} With the first problem's path under `prefix` (e.g. `args[0]`).
 */
export function validate<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: { plugin: string; symbol: string; prefix: string },
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) =>
    `${describePath(where.prefix, issue.path)}: ${issue.message}`
  );
  const first = result.error.issues[0];
  throw new ValidationError(
    where.plugin,
    where.symbol,
    describePath(where.prefix, first?.path ?? []),
    problems.length === 1 ? (first?.message ?? "invalid") : problems.join("; "),
    { cause: result.error },
  );
}
