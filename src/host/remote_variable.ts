/**
 * A plugin's variable as the host holds it: `get()` and `set()` that cross to
 * the running version, validated against the contract when there is one.
 *
 * @module
 */
import type { SymbolSpec } from "../contract/contract.ts";
import type { CallOptions, Variable } from "../contract/call_types.ts";
import { validate } from "../contract/validate.ts";
import { SymbolKindError } from "../errors/errors.ts";
import { GET, type RequestTag, SET } from "../wire/records.ts";
import { mergeOptions } from "./call_bounds.ts";
import type { Instance } from "./instance.ts";

/** How a variable reaches its plugin. */
export interface VariableAccess {
  /** The plugin's name, for errors. */
  readonly plugin: string;
  /** The running version: each read or write goes to the one running when it starts. */
  current(): Instance;
  /** The variable's contract spec in that version, when values are validated. */
  spec(at: Instance): SymbolSpec | undefined;
  /** Sends a read or write to that version. */
  send(at: Instance, tag: RequestTag, payload: unknown, options?: CallOptions): Promise<unknown>;
}

/** The variable `name`; `bound` holds the deadline and signal given to `lookup()`. */
export function remoteVariable(
  name: string,
  readonly: boolean,
  bound: CallOptions | undefined,
  access: VariableAccess,
): Variable<unknown> {
  const where = { plugin: access.plugin, symbol: name, prefix: "value" };
  return Object.freeze({
    name,
    readonly,
    get: async (options?: CallOptions) => {
      const at = access.current();
      const value = await access.send(at, GET, undefined, mergeOptions(bound, options));
      const spec = access.spec(at);
      return spec?.kind === "variable" ? validate(spec.schema, value, where) : value;
    },
    set: async (value: unknown, options?: CallOptions) => {
      if (readonly) {
        throw new SymbolKindError(access.plugin, name, "writable variable", "read-only value");
      }
      const at = access.current();
      const spec = access.spec(at);
      const checked = spec?.kind === "variable" ? await validate(spec.schema, value, where) : value;
      await access.send(at, SET, checked, mergeOptions(bound, options));
    },
  });
}
