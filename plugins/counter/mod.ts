// go-plugin's bidirectional example, as a sandplug plugin: a key/counter store
// that does not do its own sums. The host does not trust it to add, so put()
// asks the host's sum(a, b) for every new total. It asks for no permission: its
// manifest lists only the host function it calls ("host": ["sum"]).
import { host } from "jsr:@sandplug/host@^0.1/plugin";

// go-plugin's plugin keeps its counters in files; this one keeps them in memory,
// which lives as long as the plugin: a restart starts every counter over.
const counters = new Map<string, number>();
const sum = host.lookup<number>("sum");

/** The last put; each put waits for it, so that two puts never read the same old total. */
let lastPut: Promise<unknown> = Promise.resolve();

/**
 * Adds `value` to the counter `key`, the host doing the sum.
 *
 * @param key The counter's name.
 * @param value What to add to it.
 */
export function put(key: string, value: number): Promise<void> {
  const done = lastPut.then(async () => {
    counters.set(key, await sum(get(key), value));
  });
  // A failed put (the host's sum threw) must not fail the puts queued after it.
  lastPut = done.catch(() => {});
  return done;
}

/**
 * Reads the counter `key`.
 *
 * @param key The counter's name.
 * @returns Its total; 0 for a counter never put.
 */
export function get(key: string): number {
  return counters.get(key) ?? 0;
}
