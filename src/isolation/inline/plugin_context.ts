/**
 * Which inline plugin's code runs now. Every inline plugin shares the host's
 * isolate, its console and its one copy of the SDK, so what their code logs
 * and which way to the host it takes are told apart by the context it runs
 * in: a plain variable for the synchronous part of a direct call (nearly
 * free, where entering an async context with `AsyncLocalStorage.run` costs
 * 0.2 to 0.7 µs here, several times the call), and an async context for
 * everything that can continue later (module evaluation, messages, async
 * functions, timers).
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { HOST_SLOT, type HostCaller } from "../../runtime/host_api.ts";
import { runningOwner, swapOwner } from "../../runtime/call_signal.ts";

/** One inline plugin, as the code it runs finds it. */
export interface PluginContext {
  /** Its way to the host, once the host provided functions. */
  caller: HostCaller | undefined;
  /**
   * Writes one `console.*` call of its code. Never throws.
   *
   * @returns `false` when the method is not one it writes: the host's console prints it.
   */
  write(method: string, args: unknown[]): boolean;
}

const store = new AsyncLocalStorage<PluginContext | undefined>();
let installed = false;

/**
 * The context of the synchronous code running now, when it is set (the
 * owner `startCall()` keeps): a plugin's, or `null` while the host handles
 * what a plugin sent. Undefined: ask `store`.
 */
function current(): PluginContext | null | undefined {
  return runningOwner() as PluginContext | null | undefined;
}

/** The inline plugin whose code runs now, if any. */
export function activeContext(): PluginContext | undefined {
  const known = current();
  return known === undefined ? store.getStore() : known ?? undefined;
}

/**
 * Whose context a timer set now must run in, when the async context does
 * not carry it already: the plugin whose direct call runs synchronously
 * (it has none), or `null` for host code handling what a plugin sent (it
 * has the plugin's); undefined when the timer may keep the context it gets.
 */
export function timerContext(): PluginContext | null | undefined {
  const known = current();
  if (known === undefined) return undefined;
  const carried = store.getStore();
  if (known === null) return carried === undefined ? undefined : null;
  return carried === known ? undefined : known;
}

/**
 * Makes the SDK's `host` find the caller of the plugin whose code runs. Once,
 * when the first inline plugin that may call the host starts: the slot cannot
 * be taken back.
 */
export function installHostSlot(): void {
  if (installed) return;
  installed = true;
  Object.defineProperty(globalThis, HOST_SLOT, {
    value: () => activeContext()?.caller,
    writable: false,
    configurable: false,
  });
}

/**
 * Runs `body` as code of the plugin of `context`: what it starts,
 * synchronously or after awaits, logs as that plugin and reaches the host
 * through its caller.
 */
export function runAsPlugin<A extends unknown[], T>(
  context: PluginContext,
  body: (...args: A) => T,
  ...args: A
): T {
  const outer = swapOwner(context);
  try {
    return store.run(context, body, ...args);
  } finally {
    swapOwner(outer);
  }
}

/**
 * Runs `body` as host code, outside any plugin's context even in what it
 * starts: so that a log sink and `log` listeners print as the host, and one
 * that logs cannot feed itself.
 */
export function runAsHost<A extends unknown[], T>(body: (...args: A) => T, ...args: A): T {
  const outer = swapOwner(null);
  try {
    return store.run(undefined, body, ...args);
  } finally {
    swapOwner(outer);
  }
}

/**
 * Runs `body` as host code in its synchronous part: how the host hears what
 * a plugin sent but its logs, which comes often enough that an async context
 * of its own would slow every message call by a fifth. What it starts keeps
 * the plugin's async context, but timers (see `scoped_timers.ts`).
 */
export function runSyncAsHost<A extends unknown[], T>(body: (...args: A) => T, ...args: A): T {
  const outer = swapOwner(null);
  try {
    return body(...args);
  } finally {
    swapOwner(outer);
  }
}
