/**
 * The tier-independent half of a plugin's runtime: it imports the plugin's
 * entry module, lists its exports, and answers requests. Each isolation tier
 * wraps it with its own transport.
 *
 * @module
 */
import type { PluginMessage, RequestMessage, SymbolInfo, SymbolKind } from "../protocol.ts";
import { PROTOCOL_VERSION } from "../protocol_version.ts";
import { isVariable } from "./sdk.ts";
import { toWireError } from "./wire_error.ts";
import { LazyAbort, withCallSignal } from "./_call_signal.ts";
import { measure } from "../_payload.ts";

type Namespace = Record<string, unknown>;

function kindOf(value: unknown): SymbolKind {
  if (typeof value === "function") return "function";
  if (isVariable(value)) return "variable";
  return "value";
}

/** A loaded plugin module, ready to answer requests. */
export interface Dispatcher {
  /** The plugin's exports, sorted by name. */
  readonly symbols: SymbolInfo[];
  /** Answers one request; never rejects. */
  handle(request: RequestMessage): Promise<PluginMessage>;
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
  maxMessageBytes: number,
): Promise<{ reply: PluginMessage; dispatcher?: Dispatcher; namespace?: Namespace }> {
  let namespace: Namespace;
  try {
    namespace = await import(entry);
  } catch (error) {
    return { reply: { type: "load-error", protocol: PROTOCOL_VERSION, error: toWireError(error) } };
  }
  return {
    reply: readyReply(namespace),
    dispatcher: createDispatcher(namespace, maxMessageBytes),
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

/** Answers requests against an already-loaded module namespace. */
export function createDispatcher(namespace: Namespace, maxMessageBytes: number): Dispatcher {
  const symbols = listSymbols(namespace);
  const running = new Map<number, LazyAbort>();
  const kinds = new Map(symbols.map((symbol) => [symbol.name, symbol.kind]));
  const fail = (id: number, name: string, message: string): PluginMessage => ({
    type: "err",
    id,
    error: { name, message },
  });

  function reply(id: number, value: unknown): PluginMessage {
    const { bytes } = measure(value, maxMessageBytes);
    if (bytes <= maxMessageBytes) return { type: "ok", id, value };
    return {
      type: "err",
      id,
      error: {
        name: "PayloadTooLargeError",
        message: `the result is over ${maxMessageBytes} bytes`,
        size: bytes,
      },
    };
  }

  async function handle(request: RequestMessage): Promise<PluginMessage> {
    const { id, symbol } = request;
    const kind = kinds.get(symbol);
    if (kind === undefined) {
      return fail(id, "ReferenceError", `the plugin does not export "${symbol}"`);
    }
    const target = namespace[symbol];
    try {
      switch (request.type) {
        case "call": {
          if (kind !== "function") {
            return fail(id, "TypeError", `"${symbol}" is a ${kind}, not a function`);
          }
          const controller = new LazyAbort();
          running.set(id, controller);
          try {
            const fn = target as (...args: unknown[]) => unknown;
            const value = await withCallSignal(controller.signal, () => fn(...request.args));
            return reply(id, value);
          } finally {
            running.delete(id);
          }
        }
        case "get":
          if (kind === "function") {
            return fail(id, "TypeError", `"${symbol}" is a function, not a variable`);
          }
          return reply(id, kind === "variable" ? (target as { value: unknown }).value : target);
        case "set":
          if (kind !== "variable") {
            return fail(id, "TypeError", `"${symbol}" is a ${kind}, not a variable`);
          }
          (target as { value: unknown }).value = request.value;
          return { type: "ok", id, value: undefined };
      }
    } catch (error) {
      return { type: "err", id, error: toWireError(error) };
    }
  }
  return {
    symbols,
    handle,
    cancel(id) {
      running.get(id)?.abort(new DOMException("the host gave up on this call", "AbortError"));
    },
  };
}
