/**
 * Checking a host call against the contract: what the plugin sends a host
 * function, and what the function returns, validated with the schemas of the
 * contract's `host` section as calls to a plugin are with its `symbols`.
 *
 * @module
 */
import { ValidationError } from "../errors/call_errors.ts";
import type { Contract } from "./contract.ts";
import { validate } from "./validate.ts";

/** The checks of one host function's calls: each returns what its schemas output. */
export interface HostCallValidator {
  /**
   * Validates the arguments the plugin sent.
   *
   * @throws {ValidationError} At `args` for too many, at `args[i]` for a bad one.
   */
  args(values: unknown[]): Promise<unknown[]>;
  /**
   * Validates what the host function returned (resolved).
   *
   * @throws {ValidationError} At `result`.
   */
  result(value: unknown): Promise<unknown>;
}

/**
 * The checks of calls from `plugin` to the host function `name`, or
 * `undefined` when the contract declares no such host function (its calls
 * then cross unchecked, as a call to a symbol outside a contract does).
 * Errors name the symbol `host.<name>`, so that they are not read as the
 * plugin's own export of that name.
 */
export function hostCallValidator(
  plugin: string,
  contract: Contract | undefined,
  name: string,
): HostCallValidator | undefined {
  const host = contract?.host;
  if (host === undefined || !Object.hasOwn(host, name)) return undefined;
  const spec = host[name];
  const symbol = `host.${name}`;
  return {
    async args(values) {
      if (values.length > spec.args.length) {
        throw new ValidationError(
          plugin,
          symbol,
          "args",
          `expected at most ${spec.args.length} arguments, received ${values.length}`,
        );
      }
      return await Promise.all(
        spec.args.map((schema, index) =>
          validate(schema, values[index], { plugin, symbol, prefix: `args[${index}]` })
        ),
      );
    },
    result(value) {
      return validate(spec.returns, value, { plugin, symbol, prefix: "result" });
    },
  };
}
