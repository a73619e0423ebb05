/**
 * Environment probes in a sandboxed plugin's isolate. Many packages read a
 * variable only to see whether it is set (`process.env.LOG_TOKENS` in `yaml`,
 * `NO_COLOR`, `DEBUG`…); Deno throws `NotCapable` for one outside the grant,
 * so such a package cannot even load with no permissions. Here, as with
 * Deno's `--ignore-env`, an ungranted variable reads as unset, and the host
 * is told of the probe (its `denied` event), which is what a manifest author
 * needs to know.
 *
 * Only Deno's own `NotCapable` is turned into "unset": the wrappers call
 * Deno's functions, so they can never return what Deno would refuse. Setting
 * and deleting keep throwing, as under `--ignore-env` they would succeed in a
 * copy the plugin does not have.
 *
 * @module
 */
import type { PluginMessage } from "../wire/protocol.ts";
import { MAX_ENV_NAME_CHARS, MAX_ENV_PROBES } from "../wire/env_probe_limits.ts";
import { capText } from "../wire/bounded_error.ts";
import { runningSymbol } from "./call_signal.ts";

type Env = typeof Deno.env;

/**
 * Makes `Deno.env.get`, `has` and `toObject` (and so `node:process` env,
 * which reads through them) treat a variable outside the grant as unset, and
 * reports each such variable to the host once, for at most
 * {@linkcode MAX_ENV_PROBES} names and then one notice. The wrappers cannot be
 * replaced or removed afterwards; plugin code that reaches Deno's originals
 * another way gets only their throwing behaviour back.
 *
 * @param post Sends a message to the host.
 * @param granted The variables the grant names, from the host's `init`: what `toObject()` may list.
 */
export function quietEnvProbes(
  post: (message: PluginMessage) => void,
  granted: readonly string[] = [],
): void {
  const env = Deno.env;
  // Captured before plugin code runs, which could replace them.
  const { get, has, toObject } = env;
  const apply = Reflect.apply;
  const isPrototypeOf = Object.prototype.isPrototypeOf;
  const notCapable = Deno.errors.NotCapable.prototype;
  const NameSet = Set;
  const setHas = Set.prototype.has;
  const setAdd = Set.prototype.add;
  // The host's list, which plugin code never holds; read only when toObject() needs it.
  const names = Array.isArray(granted) ? granted : [];

  // At worst, plugin code that rewires prototypes makes another error look like
  // NotCapable: the call then reads as unset, which reveals nothing.
  const refused = (error: unknown) => apply(isPrototypeOf, notCapable, [error]) as boolean;

  // Made at the first probe: most plugins never probe, and every start counts.
  let reported: Set<string> | undefined;
  let count = 0; // a plain number: plugin code cannot make the bound forget what was sent
  // A probe reads as unset even when the report cannot leave.
  const tell = (message: PluginMessage) => {
    try {
      post(message);
    } catch {
      // The host is gone or the message could not be sent: nothing to do from inside a read.
    }
  };
  function report(name: string): void {
    const value = capText(name, MAX_ENV_NAME_CHARS);
    reported ??= new NameSet();
    if (count > MAX_ENV_PROBES || apply(setHas, reported, [value])) return;
    count++;
    if (count > MAX_ENV_PROBES) {
      tell({
        type: "log",
        level: "warn",
        text: `sandplug: the plugin probed more than ${MAX_ENV_PROBES} environment variables ` +
          "outside its grant; the rest are not reported",
      });
      return;
    }
    apply(setAdd, reported, [value]);
    const symbol = runningSymbol();
    tell({ type: "denied", kind: "env", value, ...(symbol === undefined ? {} : { symbol }) });
  }

  // Deno checks the permission before the name, so every probe is reported as written.
  const nameOf = (key: unknown) => typeof key === "string" ? key : `${key}`;
  /** Deno's `read` of the variable, or `unset` (reported) when Deno refuses it. */
  const quietly = <T>(read: (name: string) => T, key: unknown, unset: T): T => {
    const name = nameOf(key);
    try {
      return apply(read, env, [name]);
    } catch (error) {
      if (!refused(error)) throw error;
      report(name);
      return unset;
    }
  };
  const quiet: Pick<Env, "get" | "has" | "toObject"> = {
    get: (key: string): string | undefined => quietly(get, key, undefined),
    has: (key: string): boolean => quietly(has, key, false),
    toObject(): Record<string, string> {
      try {
        return apply(toObject, env, []);
      } catch (error) {
        if (!refused(error)) throw error;
      }
      // Not every variable is granted: list the granted ones that are set, each read through Deno.
      const visible: Record<string, string> = {};
      for (let index = 0; index < names.length; index++) {
        const name = names[index];
        // A prefix grant ("APP_*") cannot be listed without access to every variable.
        if (typeof name !== "string" || name.endsWith("*")) continue;
        try {
          const value = apply(get, env, [name]);
          if (value !== undefined) visible[name] = value;
        } catch {
          // Not readable after all: left out, like any unset variable.
        }
      }
      return visible;
    },
  };
  for (const key of ["get", "has", "toObject"] as const) {
    Object.defineProperty(env, key, {
      value: quiet[key],
      writable: false,
      enumerable: true,
      configurable: false,
    });
  }
  // Replacing Deno.env with an object of its own would hide the wrappers from node:process too.
  Object.defineProperty(Deno, "env", { value: env, writable: false, configurable: false });
}
