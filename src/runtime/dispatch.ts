/**
 * The tier-independent half of a plugin's runtime: it imports the plugin's
 * entry module, lists its exports, and answers requests. Each isolation tier
 * wraps it with its own transport.
 *
 * @module
 */
import type { PluginMessage, SymbolInfo, SymbolKind } from "../wire/protocol.ts";
import { PROTOCOL_VERSION } from "../wire/protocol_version.ts";
import { isVariable } from "./sdk.ts";
import { toWireError } from "../wire/error_data.ts";
import { startCall, startedController } from "./call_signal.ts";

type Namespace = Record<string, unknown>;

function kindOf(value: unknown): SymbolKind {
  if (typeof value === "function") return "function";
  if (isVariable(value)) return "variable";
  return "value";
}

/**
 * How a request's outcome leaves: `ok` with the value, or not with the error
 * as data. Called exactly once per request, synchronously when plugin code
 * returned a plain value.
 */
export type Reply = (id: number, ok: boolean, value: unknown) => void;

/** A loaded plugin module, ready to answer requests. */
export interface Dispatcher {
  /** The plugin's exports, sorted by name. */
  readonly symbols: SymbolInfo[];
  /** Calls an exported function. */
  call(id: number, symbol: string, args: unknown[], reply: Reply): void;
  /** Reads an exported variable or constant. */
  get(id: number, symbol: string, reply: Reply): void;
  /** Writes an exported variable. */
  set(id: number, symbol: string, value: unknown, reply: Reply): void;
  /** Aborts the signal of a running call (the host gave up on it). */
  cancel(id: number): void;
}

/**
 * Imports the entry module (through a computed specifier, so that the
 * isolate's own permissions govern its whole module graph) and returns the
 * handshake reply plus a dispatcher.
 */
export async function loadEntry(
  entry: string,
): Promise<{ reply: PluginMessage; dispatcher?: Dispatcher; namespace?: Namespace }> {
  let namespace: Namespace;
  try {
    namespace = await import(entry);
  } catch (error) {
    return { reply: { type: "load-error", protocol: PROTOCOL_VERSION, error: toWireError(error) } };
  }
  return {
    reply: readyReply(namespace),
    dispatcher: createDispatcher(namespace),
    namespace,
  };
}

function listSymbols(namespace: Namespace): SymbolInfo[] {
  return Object.keys(namespace).sort().map((name) => ({ name, kind: kindOf(namespace[name]) }));
}

/** The handshake reply for a loaded module. */
export function readyReply(namespace: Namespace): PluginMessage {
  return { type: "ready", protocol: PROTOCOL_VERSION, symbols: listSymbols(namespace) };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function";
}

/** Answers requests against an already-loaded module namespace. */
export function createDispatcher(namespace: Namespace): Dispatcher {
  const symbols = listSymbols(namespace);
  const kinds = new Map(symbols.map((symbol) => [symbol.name, symbol.kind]));
  // The controllers of running calls whose code asked for a signal: most calls have none.
  const signals = new Map<number, AbortController>();
  const fail = (id: number, reply: Reply, name: string, message: string) =>
    reply(id, false, { name, message });
  const missing = (id: number, symbol: string, reply: Reply) =>
    fail(id, reply, "ReferenceError", `the plugin does not export "${symbol}"`);

  function settle(id: number, reply: Reply, result: PromiseLike<unknown>): void {
    result.then(
      (value) => {
        if (signals.size > 0) signals.delete(id);
        reply(id, true, value);
      },
      (error) => {
        if (signals.size > 0) signals.delete(id);
        reply(id, false, toWireError(error));
      },
    );
  }

  return {
    symbols,
    call(id, symbol, args, reply) {
      const kind = kinds.get(symbol);
      if (kind === undefined) return missing(id, symbol, reply);
      if (kind !== "function") {
        return fail(id, reply, "TypeError", `"${symbol}" is a ${kind}, not a function`);
      }
      let result: unknown;
      try {
        result = startCall(namespace[symbol] as (...args: unknown[]) => unknown, args, symbol);
      } catch (error) {
        return reply(id, false, toWireError(error));
      }
      const controller = startedController(); // before isThenable(), which may run plugin code
      if (!isThenable(result)) return reply(id, true, result);
      if (controller !== undefined) signals.set(id, controller);
      settle(id, reply, result);
    },
    get(id, symbol, reply) {
      const kind = kinds.get(symbol);
      if (kind === undefined) return missing(id, symbol, reply);
      if (kind === "function") {
        return fail(id, reply, "TypeError", `"${symbol}" is a function, not a variable`);
      }
      const target = namespace[symbol];
      let value: unknown;
      try {
        value = kind === "variable" ? (target as { value: unknown }).value : target;
      } catch (error) {
        return reply(id, false, toWireError(error));
      }
      reply(id, true, value);
    },
    set(id, symbol, value, reply) {
      const kind = kinds.get(symbol);
      if (kind === undefined) return missing(id, symbol, reply);
      if (kind !== "variable") {
        return fail(id, reply, "TypeError", `"${symbol}" is a ${kind}, not a variable`);
      }
      try {
        (namespace[symbol] as { value: unknown }).value = value;
      } catch (error) {
        return reply(id, false, toWireError(error));
      }
      reply(id, true, undefined);
    },
    cancel(id) {
      signals.get(id)?.abort(new DOMException("the host gave up on this call", "AbortError"));
    },
  };
}
