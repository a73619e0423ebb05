import { ValidationError } from "../errors/call_errors.ts";
import type { StandardIssue, StandardSchemaV1 } from "./standard_schema.ts";

function describePath(prefix: string, path: StandardIssue["path"]): string {
  let out = prefix;
  for (const segment of path ?? []) {
    const key = typeof segment === "object" ? segment.key : segment;
    out += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
  }
  return out;
}

/** Whether a value is a standard schema (zod 4, valibot, arktype, …). */
export function isSchema(value: unknown): value is StandardSchemaV1 {
  return typeof value === "object" && value !== null &&
    typeof (value as StandardSchemaV1)["~standard"]?.validate === "function";
}

/**
 * Validates `value` with `schema` and returns the schema's output.
 *
 * @throws {ValidationError} Naming the symbol and the path (under `prefix`, e.g. `args[0]`) of every problem.
 */
export async function validate<O>(
  schema: StandardSchemaV1<unknown, O>,
  value: unknown,
  where: { plugin: string; symbol: string; prefix: string },
): Promise<O> {
  let result = schema["~standard"].validate(value);
  if (result instanceof Promise) result = await result;
  if (result.issues === undefined) return result.value;
  const [first] = result.issues;
  const problem = result.issues.length === 1
    ? first.message
    : result.issues.map((issue) => `${describePath(where.prefix, issue.path)}: ${issue.message}`)
      .join("; ");
  throw new ValidationError(
    where.plugin,
    where.symbol,
    describePath(where.prefix, first?.path),
    problem,
    {
      cause: result.issues,
    },
  );
}
