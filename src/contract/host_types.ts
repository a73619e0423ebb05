/**
 * The types of the host functions a load provides, read from its contract's
 * `host` section: what `host.load(dir, { provide })` accepts.
 *
 * @module
 */
import type { Contract, ContractSymbols, FnSpec, HostSpecs } from "./contract.ts";
import type { InferInput, InferOutput, StandardSchemaV1 } from "./standard_schema.ts";

/**
 * Host functions by name, untyped: what `provide` takes when the load's
 * contract declares none. Any function fits; the plugin's arguments arrive as
 * it sent them.
 */
export type HostFunctions = Readonly<Record<string, (...args: never[]) => unknown>>;

/** The arguments a host function receives for a spec: what the argument schemas output. */
export type ReceivedArgsOf<A extends readonly StandardSchemaV1[]> = {
  -readonly [K in keyof A]: InferOutput<A[K]>;
};

/**
 * The function a load provides for a host function spec: it receives the
 * arguments as the schemas output them, and returns (or resolves to) a value
 * the result schema accepts.
 */
export type ProvidedFunction<F extends FnSpec> = F extends FnSpec<infer A, infer R>
  ? (...args: ReceivedArgsOf<A>) => InferInput<R> | Promise<InferInput<R>>
  : never;

/** The functions a load must provide for a contract's host section. */
export type ProvidedOf<H extends HostSpecs> = string extends keyof H
  // A section typed only as HostSpecs names no function: there is nothing to require.
  ? Record<never, never>
  : { readonly [K in keyof H]: ProvidedFunction<H[K]> };

/**
 * What `provide` takes for a load with contract `C`: the functions of its
 * `host` section with their types, plus any others. For a list of contract
 * versions, the load provides what every version asks, as it may use any.
 */
export type ProvideOf<C> = [C] extends [never] ? HostFunctions
  :
    & HostFunctions
    & (
      // Each contract's section as a parameter type, so that inferring it back intersects them all.
      (
        (C extends readonly Contract[] ? C[number] : C) extends infer One
          ? One extends Contract<ContractSymbols, infer H> ? (provided: ProvidedOf<H>) => void
          : never
          : never
      ) extends (provided: infer All) => void ? All
        : never
    );
