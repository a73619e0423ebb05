/**
 * What a plugin loaded by the test helpers was refused, as its host's
 * `denied` events report it, kept per plugin for `assertWithinManifest()`.
 *
 * @module
 */
import type { Host, IsolationName } from "../../mod.ts";

/** One refusal: the permission and, when the runtime knew it, the call that asked. */
export interface DeniedAccess {
  readonly kind: string;
  readonly value: string | undefined;
  readonly symbol: string | undefined;
}

/** What the helpers know of a plugin they loaded. */
export interface Recorder {
  /** Every refusal since the load began, in order. */
  readonly denials: DeniedAccess[];
  /** The tier the plugin was loaded in. */
  readonly tier: IsolationName;
}

// Weak: a test's plugin is forgotten with it. A plugin is not given the field, which would show
// on its handle; nothing else can reach the map.
const recorders = new WeakMap<object, Recorder>();

/**
 * Starts recording the refusals of the plugin `name` on `host`.
 *
 * @returns The recorder, and the function that stops it.
 */
export function watchDenials(
  host: Host,
  name: string,
  tier: IsolationName,
): { recorder: Recorder; stop: () => void } {
  const recorder: Recorder = { denials: [], tier };
  const listener = (event: CustomEvent<DeniedAccess & { plugin: string }>) => {
    const { plugin, kind, value, symbol } = event.detail;
    if (plugin === name) recorder.denials.push({ kind, value, symbol });
  };
  host.addEventListener("denied", listener);
  return { recorder, stop: () => host.removeEventListener("denied", listener) };
}

/** Ties a recorder to the plugin it records, for {@linkcode recorderOf}. */
export function attachRecorder(plugin: object, recorder: Recorder): void {
  recorders.set(plugin, recorder);
}

/** The recorder of a plugin the helpers loaded; undefined for any other. */
export function recorderOf(plugin: object): Recorder | undefined {
  return recorders.get(plugin);
}
