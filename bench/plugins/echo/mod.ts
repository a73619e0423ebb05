// The plugin every sandplug benchmark loads: the same operations as the raw baselines.
import { transfer } from "@sandplug/host/plugin";

/** Returns its argument unchanged: the payload round trip, copied back. */
export function echo<T>(x: T): T {
  return x;
}

/** Returns a buffer it was given, moved back to the host instead of copied. */
export function echoMoved(buffer: ArrayBuffer): ArrayBuffer {
  return transfer(buffer, [buffer]);
}

/** Adds two numbers: the small call. */
export function add(a: number, b: number): number {
  return a + b;
}
