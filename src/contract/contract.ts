/**
 * Contracts: what a host expects a plugin to export, as schemas (zod 4 or any
 * other Standard Schema library). A
 * contract types `lookup()` without generics, validates every value that
 * crosses the boundary, and is checked against the plugin at load time.
 *
 * @module
 */
import type { InferInput, InferOutput, StandardSchemaV1 } from "./standard_schema.ts";
import { isSchema } from "./validate.ts";
import { defaultRange, isRange, isVersion } from "./version.ts";
import type { Variable } from "./call_types.ts";

/** The schema of an exported function: its arguments and its result. */
export interface FnSpec<
  Args extends readonly StandardSchemaV1[] = readonly StandardSchemaV1[],
  Returns extends StandardSchemaV1 = StandardSchemaV1,
> {
  /** Always `"function"`. */
  readonly kind: "function";
  /** One schema per argument, in order. */
  readonly args: Args;
  /** The schema of the resolved result. */
  readonly returns: Returns;
}

/** The schema of an exported variable made with the plugin SDK's `variable()`. */
export interface VariableSpec<T extends StandardSchemaV1 = StandardSchemaV1> {
  /** Always `"variable"`. */
  readonly kind: "variable";
  /** The schema of the variable's value. */
  readonly schema: T;
}

/** Any symbol schema of a contract. */
export type SymbolSpec = FnSpec | VariableSpec;

/** The symbols of a contract, by export name. */
export type ContractSymbols = Record<string, SymbolSpec>;

/**
 * The host functions of a contract, by name: what a plugin may call on its
 * host, each declared with {@linkcode fn}.
 */
export type HostSpecs = Record<string, FnSpec>;

/** What {@linkcode defineContract} takes. */
export interface ContractDefinition<
  S extends ContractSymbols,
  H extends HostSpecs = Record<never, never>,
> {
  /** The contract's name, as plugins list it under `implements` in plugin.json. */
  name: string;
  /** The contract's semantic version, e.g. `"1.2.0"`. */
  version: string;
  /**
   * The versions of this contract that plugins may have been built against.
   *
   * @default {`^<major of version>`}
   */
  range?: string;
  /** The exports the host relies on. */
  symbols: S;
  /**
   * The host functions plugins may call, which types `load(dir, { provide })`
   * and validates what crosses with each call.
   *
   * @default {{}}
   */
  host?: H;
}

/** A contract made by {@linkcode defineContract}. */
export interface Contract<
  S extends ContractSymbols = ContractSymbols,
  H extends HostSpecs = HostSpecs,
> {
  /** The contract's name. */
  readonly name: string;
  /** The contract's version. */
  readonly version: string;
  /** The plugin versions of this contract that the host accepts. */
  readonly range: string;
  /** The exports the host relies on. */
  readonly symbols: S;
  /** The host functions plugins may call; empty when the contract declares none. */
  readonly host: H;
}

/** The argument tuple a function spec accepts, as callers write it. */
export type ArgsOf<A extends readonly StandardSchemaV1[]> = {
  -readonly [K in keyof A]: InferInput<A[K]>;
};

/** What `lookup()` returns for a symbol spec. */
export type RemoteOf<S extends SymbolSpec> = S extends FnSpec<infer A, infer R>
  ? (...args: ArgsOf<A>) => Promise<InferOutput<R>>
  : S extends VariableSpec<infer T> ? Variable<InferOutput<T>>
  : never;

/** The typed symbols of a contract, or the symbols common to every contract of a list. */
export type SymbolsOf<C> = [C] extends [never] ? Record<never, never>
  : C extends readonly Contract[] ? SymbolsOf<C[number]>
  : C extends Contract<infer S> ? S
  : Record<never, never>;

/**
 * Declares an exported function: the schemas of its arguments and result.
 *
 * @param spec `args`: one schema per argument; `returns`: the schema of the result.
 * @returns A function spec for {@linkcode defineContract}.
 *
 * @example
 * ```ts
 * import { fn } from "@sandplug/host";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const add = fn({ args: [z.number(), z.number()], returns: z.number() });
 * assert.equal(add.kind, "function");
 * assert.equal(add.args.length, 2);
 * ```
 */
export function fn<
  const Args extends readonly StandardSchemaV1[],
  Returns extends StandardSchemaV1,
>(
  spec: { args: Args; returns: Returns },
): FnSpec<Args, Returns> {
  if (!Array.isArray(spec?.args)) {
    throw new TypeError(
      `Cannot define fn: args must be a list of schemas; current value is ${String(spec?.args)}`,
    );
  }
  const bad = spec.args.findIndex((schema) => !isSchema(schema));
  if (bad >= 0) {
    throw new TypeError(
      `Cannot define fn: args[${bad}] is not a schema; pass a zod (or other Standard Schema) schema`,
    );
  }
  if (!isSchema(spec.returns)) {
    throw new TypeError(
      "Cannot define fn: returns is missing; use z.void() for a function that returns nothing",
    );
  }
  return { kind: "function", args: spec.args, returns: spec.returns };
}

/**
 * Declares an exported variable (made with the plugin SDK's `variable()`).
 *
 * @param schema The schema of the variable's value.
 * @returns A variable spec for {@linkcode defineContract}.
 *
 * @example
 * ```ts
 * import { variable } from "@sandplug/host";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * assert.equal(variable(z.number()).kind, "variable");
 * ```
 */
export function variable<T extends StandardSchemaV1>(schema: T): VariableSpec<T> {
  if (!isSchema(schema)) {
    throw new TypeError("Cannot define variable: pass a zod schema such as z.number()");
  }
  return { kind: "variable", schema };
}

/**
 * Defines a contract: a named, versioned set of exports that a host relies on.
 * Pass it to `host.load(dir, { contract })`; pass a list of versions of it to
 * negotiate the highest one the plugin implements.
 *
 * @param definition Name, semantic version, optional accepted range, symbols and host functions.
 * @returns The contract.
 * @throws {TypeError} When the name is empty, the version is not semver, the range is invalid, or
 * a symbol or host function is not a spec of the right kind.
 *
 * @example Define a contract and read its default range
 * ```ts
 * import { defineContract, fn, variable } from "@sandplug/host";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const greeter = defineContract({
 *   name: "greeter",
 *   version: "1.2.0",
 *   symbols: {
 *     greet: fn({ args: [z.string()], returns: z.string() }),
 *     count: variable(z.number()),
 *   },
 * });
 * assert.equal(greeter.range, "^1");
 * ```
 *
 * @example Declare the host functions plugins may call
 * ```ts
 * import { defineContract, fn } from "@sandplug/host";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const counter = defineContract({
 *   name: "counter",
 *   version: "1.0.0",
 *   symbols: { put: fn({ args: [z.string(), z.number()], returns: z.void() }) },
 *   host: { sum: fn({ args: [z.number(), z.number()], returns: z.number() }) },
 * });
 * assert.deepEqual(Object.keys(counter.host), ["sum"]);
 * ```
 */
export function defineContract<
  const S extends ContractSymbols,
  const H extends HostSpecs = Record<never, never>,
>(
  definition: ContractDefinition<S, H>,
): Contract<S, H> {
  const { name, version, symbols } = definition;
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(
      `Cannot define contract: name must be a non-empty string; current value is ${
        JSON.stringify(name)
      }`,
    );
  }
  if (typeof version !== "string" || !isVersion(version)) {
    throw new TypeError(
      `Cannot define contract "${name}": version must be a semantic version such as "1.0.0"; ` +
        `current value is ${JSON.stringify(version)}`,
    );
  }
  const range = definition.range ?? defaultRange(version);
  if (!isRange(range)) {
    throw new TypeError(
      `Cannot define contract "${name}": range must be a semver range such as "^1.2"; current value is ${
        JSON.stringify(range)
      }`,
    );
  }
  if (typeof symbols !== "object" || symbols === null) {
    throw new TypeError(
      `Cannot define contract "${name}": symbols must be an object of fn() and variable() specs`,
    );
  }
  for (const [symbol, spec] of Object.entries(symbols)) {
    if (spec?.kind !== "function" && spec?.kind !== "variable") {
      throw new TypeError(
        `Cannot define contract "${name}": symbols.${symbol} must be made with fn() or variable()`,
      );
    }
  }
  const host = checkHost(name, definition.host ?? {}) as H;
  return Object.freeze({ name, version, range, symbols, host });
}

/** The contract's host section, each entry an fn() spec; frozen, as the contract is. */
function checkHost(contract: string, host: HostSpecs): HostSpecs {
  if (typeof host !== "object" || host === null || Array.isArray(host)) {
    throw new TypeError(
      `Cannot define contract "${contract}": host must be an object of fn() specs; ` +
        `current value is ${JSON.stringify(host)}`,
    );
  }
  for (const [name, spec] of Object.entries(host)) {
    if (spec?.kind !== "function") {
      throw new TypeError(
        `Cannot define contract "${contract}": host.${name} must be made with fn(), ` +
          "as a plugin can only call a host function",
      );
    }
  }
  return Object.freeze({ ...host });
}
