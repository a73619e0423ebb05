/**
 * Loading every plugin of a folder at once: discovery, then one load per
 * plugin found, in parallel; one plugin's failure is reported, never thrown.
 *
 * @module
 */
import type { Contract, SymbolsOf } from "../contract/contract.ts";
import { discoverPlugins } from "../load/discover.ts";
import type { Plugin } from "./plugin_interface.ts";
import type { LoadOptions } from "./types.ts";

/** What {@linkcode Host.loadAll} did: the plugins it loaded, and each folder that failed, with why. */
export interface LoadAllResult<P> {
  /** The plugins loaded, in the order of their folders' names. */
  readonly loaded: P[];
  /** The folders that hold a `plugin.json` but did not load, in the order of their names. */
  readonly failed: { readonly dir: string; readonly error: Error }[];
}

/** Loads every plugin `discoverPlugins(dir)` finds through `load`, in parallel. */
export async function loadAllIn<C extends Contract | readonly Contract[] = never>(
  load: (dir: string, options: LoadOptions<C>) => Promise<Plugin<SymbolsOf<C>>>,
  dir: string | URL,
  options: LoadOptions<C>,
): Promise<LoadAllResult<Plugin<SymbolsOf<C>>>> {
  const { found, problems } = await discoverPlugins(dir);
  const outcomes = await Promise.allSettled(found.map((plugin) => load(plugin.dir, options)));
  const loaded: Plugin<SymbolsOf<C>>[] = [];
  const failed: { dir: string; error: Error }[] = [];
  outcomes.forEach((outcome, index) => {
    if (outcome.status === "fulfilled") loaded.push(outcome.value);
    else failed.push({ dir: found[index].dir, error: asError(outcome.reason) });
  });
  failed.push(...problems);
  failed.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  return { loaded, failed };
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
