/**
 * The host functions of one load: the manifest lists what the plugin needs,
 * the load's `provide` gives what the host offers, and the plugin may call
 * only what is in both.
 *
 * @module
 */
import { PluginLoadError } from "../errors/load_errors.ts";

/** A host function as the host calls it on the plugin's behalf. */
export type HostFunctionImpl = (...args: unknown[]) => unknown;

/** What a load's `provide` option may hold, seen before it is checked. */
type Provide = Readonly<Record<string, unknown>> | undefined;

function shown(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function checkShape(plugin: string, provide: Provide): void {
  if (provide === undefined) return;
  if (typeof provide !== "object" || provide === null || Array.isArray(provide)) {
    throw new TypeError(
      `Cannot load plugin "${plugin}": provide must be an object of functions by name, ` +
        `e.g. { sum: (a, b) => a + b }; current value is ${shown(provide)}`,
    );
  }
}

/**
 * Checks, before the plugin starts, that the load provides every host
 * function its manifest lists, each as a function.
 *
 * @param plugin The plugin's name, for messages.
 * @param listed The host functions the plugin may call: its grant's `host`.
 * @param provide The load's `provide` option.
 * @throws {PluginLoadError} Naming every listed function not provided, or provided but not a function.
 * @throws {TypeError} When `provide` is not an object.
 */
export function checkProvided(plugin: string, listed: readonly string[], provide: Provide): void {
  checkShape(plugin, provide);
  const missing: string[] = [];
  const problems: string[] = [];
  for (const name of listed) {
    if (provide === undefined || !Object.hasOwn(provide, name)) {
      missing.push(name);
    } else if (typeof provide[name] !== "function") {
      problems.push(
        `provide.${name} must be a function; current value is ${shown(provide[name])}`,
      );
    }
  }
  if (missing.length > 0) {
    const names = missing.map((name) => JSON.stringify(name)).join(", ");
    const example = missing.map((name) => `${name}: …`).join(", ");
    problems.unshift(
      `its manifest lists host functions the load does not provide: ${names}; ` +
        `provide them with host.load(dir, { provide: { ${example} } }), ` +
        `or remove them from "host" in its plugin.json`,
    );
  }
  if (problems.length > 0) throw new PluginLoadError(plugin, problems.join("; "));
}

/**
 * The host functions the plugin may call: those both listed and provided as
 * functions. A name provided but not listed is not callable. Each function
 * is taken once, at load, and called with `provide` as its `this`, as
 * `provide.name(…)` would be.
 *
 * @param listed The host functions the plugin may call: its grant's `host`.
 * @param provide The load's `provide` option.
 * @returns The callable functions by name.
 */
export function providedFunctions(
  listed: readonly string[],
  provide: Provide,
): ReadonlyMap<string, HostFunctionImpl> {
  const callable = new Map<string, HostFunctionImpl>();
  if (provide === undefined || typeof provide !== "object" || provide === null) return callable;
  for (const name of listed) {
    if (!Object.hasOwn(provide, name)) continue;
    const value = provide[name];
    if (typeof value === "function") callable.set(name, value.bind(provide));
  }
  return callable;
}
