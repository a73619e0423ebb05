// The plugin the talk-back benchmarks load: host calls made from plugin code, and streams out.
import { host } from "@sandplug/host/plugin";

/** Returns its argument unchanged: the host→plugin call the host-call loop is set against. */
export function echo<T>(x: T): T {
  return x;
}

/**
 * Calls the host's `echo(i)` `calls` times, each awaited before the next: a
 * host function's round trip made from the plugin, `calls` times inside one
 * host→plugin call.
 *
 * @returns The sum of what the host answered, for the bench to check.
 */
export async function loop(calls: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += await host.call<number>("echo", [i]);
  return sum;
}

/** Yields 0, 1, … n - 1: small items, as fast as the host reads them. */
export async function* count(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** Yields `count` chunks of `bytes` bytes, a fresh buffer each, as a file reader would. */
export async function* chunks(count: number, bytes: number): AsyncGenerator<Uint8Array> {
  const template = new Uint8Array(bytes).fill(7);
  for (let i = 0; i < count; i++) yield template.slice();
}
