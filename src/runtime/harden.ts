import type { PluginMessage } from "../wire/protocol.ts";
import { errorText } from "../wire/error_text.ts";
import { guardProcessKill } from "./guard_process_kill.ts";

/** Globals that would let plugins reach each other or the host outside the host's API. */
const SHARED_GLOBALS = [
  "BroadcastChannel", // reaches the host and every other plugin
  "caches", // CacheStorage persists into the host's DENO_DIR, shared by all plugins
  "CacheStorage",
  "Cache",
  "localStorage",
  "sessionStorage",
  "Storage",
  "Worker", // a nested worker gets fresh globals, free of everything below
  "SharedWorker",
];

function notCapable(what: string): never {
  throw new Deno.errors.NotCapable(`${what} is not available to plugins`);
}

/**
 * Removes the globals through which plugins could reach each other or the
 * host outside the host's API. In a process child they would reach only the
 * child; removing them there too keeps both tiers alike.
 */
export function removeSharedGlobals(): void {
  const scope = globalThis as Record<string, unknown>;
  for (const name of SHARED_GLOBALS) {
    try {
      delete scope[name];
    } catch {
      // A non-configurable global stays; the tests pin which ones are gone.
    }
  }
}

/**
 * Closes, in a plugin worker, what Deno's permissions leave open, before any
 * plugin code runs: shared storage and channels, nested workers, `Deno.kill`
 * and `node:process`'s `kill()` (a worker's pid is the host's, and Deno lets
 * any code signal its own pid without permission), and silent exits, which
 * are announced to the host first so it notices at once.
 */
export function hardenWorker(
  post: (message: PluginMessage) => void,
  flush: () => void,
): void {
  removeSharedGlobals();
  const scope = globalThis as Record<string, unknown>;
  const exit = Deno.exit.bind(Deno);
  Object.defineProperty(Deno, "kill", {
    value: () => notCapable("Deno.kill"),
    writable: false,
    configurable: false,
  });
  guardProcessKill(Deno.pid);
  Object.defineProperty(Deno, "exit", {
    value: (code?: number) => {
      // What the plugin produced before it exits is delivered first.
      flush();
      post({ type: "exit", reason: `plugin code called Deno.exit(${code ?? 0})` });
      return exit(code);
    },
    writable: false,
    configurable: false,
  });
  // An uncaught error or rejection ends the plugin: say so through the host (which tags and routes
  // it) instead of letting Deno print it, untagged, on the host's terminal.
  const fatal = (event: Event, what: string, error: unknown) => {
    event.preventDefault();
    const reason = errorText(error);
    const text = error instanceof Error ? (error.stack ?? reason) : reason;
    flush();
    post({ type: "log", level: "error", text: `${what}: ${text}` });
    post({ type: "exit", reason: `${what}: ${reason}` });
    exit(1);
  };
  globalThis.addEventListener(
    "error",
    (event) => fatal(event, "uncaught error", (event as ErrorEvent).error),
  );
  globalThis.addEventListener(
    "unhandledrejection",
    (event) => fatal(event, "unhandled rejection", (event as PromiseRejectionEvent).reason),
  );
  // The runtime talks to the host on a port of its own; the worker's own channel is not for plugins.
  Object.defineProperty(globalThis, "postMessage", {
    value: () => notCapable("postMessage"),
    writable: false,
    configurable: false,
  });
  const close = (scope.close as () => void).bind(globalThis);
  Object.defineProperty(globalThis, "close", {
    value: () => {
      flush();
      post({ type: "exit", reason: "plugin code called self.close()" });
      close();
    },
    writable: false,
    configurable: false,
  });
}
