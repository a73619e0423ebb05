/**
 * The Standard Schema interface (https://standardschema.dev), which zod 4,
 * valibot and arktype schemas all implement. Contracts accept any schema of
 * this shape, so the public API does not tie callers to one validator.
 *
 * @module
 */

/**
 * A schema that validates `unknown` input into `Output`: any zod 4, valibot
 * or arktype schema. Its parts are written out here rather than named, so that
 * the public surface holds this one name and not the standard's internals.
 *
 * @example Any Standard Schema library will do
 * ```ts
 * import type { StandardSchemaV1 } from "@sandplug/host";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const schema: StandardSchemaV1<unknown, number> = z.number();
 * assert.deepEqual(await schema["~standard"].validate(7), { value: 7 });
 * ```
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The standard properties. */
  readonly "~standard": {
    /** The version of the standard: 1. */
    readonly version: 1;
    /** The library that made the schema, e.g. `"zod"`. */
    readonly vendor: string;
    /**
     * Validates a value: its output, or every problem (`message`, and the
     * `path` to it in the value, each segment a key or `{ key }`), now or as a
     * promise.
     */
    readonly validate: (value: unknown) =>
      | { readonly value: Output; readonly issues?: undefined }
      | {
        readonly issues: ReadonlyArray<{
          readonly message: string;
          readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
        }>;
      }
      | Promise<
        | { readonly value: Output; readonly issues?: undefined }
        | {
          readonly issues: ReadonlyArray<{
            readonly message: string;
            readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
          }>;
        }
      >;
    /** Type-level only: the input and output types. */
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/**
 * The input type of a standard schema: what a function spec's argument
 * accepts from callers.
 *
 * @example
 * ```ts
 * import type { InferInput } from "@sandplug/host";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const schema = z.string().transform((text) => text.length);
 * const name: InferInput<typeof schema> = "Ada"; // a number here would not type-check
 * assert.equal(schema.parse(name), 3);
 * ```
 */
export type InferInput<S extends StandardSchemaV1> = NonNullable<S["~standard"]["types"]>["input"];

/**
 * The output type of a standard schema: what a remote function resolves to.
 *
 * @example
 * ```ts
 * import type { InferOutput } from "@sandplug/host";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const schema = z.string().transform((text) => text.length);
 * const length: InferOutput<typeof schema> = schema.parse("Ada"); // a number
 * assert.equal(length, 3);
 * ```
 */
export type InferOutput<S extends StandardSchemaV1> = NonNullable<
  S["~standard"]["types"]
>["output"];

/** The result of a validation, once settled (internal: not re-exported by mod.ts). */
export type StandardResult<Output> = Awaited<
  ReturnType<StandardSchemaV1<unknown, Output>["~standard"]["validate"]>
>;

/** One validation problem: what is wrong and where (internal: not re-exported by mod.ts). */
export type StandardIssue = NonNullable<StandardResult<unknown>["issues"]>[number];
