/**
 * Which inline plugin's code runs now, for the SDK's `host`: every inline
 * plugin shares the host's isolate and its one copy of the SDK, so the way
 * to the host is found through the async context its code runs in.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { HOST_SLOT, type HostCaller } from "../../runtime/host_api.ts";

const context = new AsyncLocalStorage<HostCaller>();
let installed = false;

/**
 * Runs `body` as code of the plugin whose way to the host is `caller`: what
 * it starts, synchronously or after awaits, reaches the host through it.
 * Without a caller it just runs `body`.
 */
export function runAsPlugin<T>(caller: HostCaller | undefined, body: () => T): T {
  if (caller === undefined) return body();
  if (!installed) {
    installed = true;
    Object.defineProperty(globalThis, HOST_SLOT, {
      value: () => context.getStore(),
      writable: false,
      configurable: false,
    });
  }
  return context.run(caller, body);
}
