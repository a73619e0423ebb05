/**
 * What the host accepts from a plugin's runtime. The runtime shares its
 * isolate with plugin code, which can replace the built-ins the runtime uses,
 * so every message is hostile input: each is checked for its shape, with
 * every string and list bounded, before the host acts on it. A problem is
 * described without quoting the plugin's data, which may be huge or cyclic.
 *
 * @module
 */
import type { LogLevel, PluginMessage, SymbolInfo, SymbolKind } from "../wire/protocol.ts";
import { capText } from "../wire/bounded_error.ts";

/** The most exports a plugin may report. */
export const MAX_SYMBOLS = 10_000;
/** The longest export name, in characters. */
export const MAX_SYMBOL_NAME = 1_024;
/** The longest reason an `exit` message may give; longer ones are cut. */
export const MAX_REASON_CHARS = 4_096;

const LOG_LEVELS: ReadonlySet<string> = new Set<LogLevel>([
  "debug",
  "info",
  "log",
  "warn",
  "error",
]);
const SYMBOL_KINDS: ReadonlySet<string> = new Set<SymbolKind>(["function", "variable", "value"]);
const TYPES: ReadonlySet<string> = new Set<PluginMessage["type"]>([
  "batch",
  "ready",
  "load-error",
  "exit",
  "log",
  "denied",
  "wake",
]);

/** A value's kind, for a message about it: never its content. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * Why `message` is not a message a runtime may send, or undefined when it is
 * one. Checks the envelope; batches' records are checked as they are read.
 */
export function messageProblem(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return `a message must be an object, not ${kindOf(message)}`;
  }
  const { type } = message as { type?: unknown };
  if (typeof type !== "string" || !TYPES.has(type)) {
    return `a message has the unknown type ${
      typeof type === "string" ? JSON.stringify(capText(type, 64)) : kindOf(type)
    }`;
  }
  const fields = message as Record<string, unknown>;
  switch (type) {
    case "batch":
      if (!Array.isArray(fields.records)) return "a batch's records are not an array";
      return fields.order === undefined ||
          (typeof fields.order === "number" && Number.isSafeInteger(fields.order) &&
            fields.order >= 1)
        ? undefined
        : "a batch's order is not a positive integer";
    case "log":
      if (typeof fields.level !== "string" || !LOG_LEVELS.has(fields.level)) {
        return `a log message has the unknown level ${
          typeof fields.level === "string"
            ? JSON.stringify(capText(fields.level, 64))
            : kindOf(fields.level)
        }`;
      }
      return typeof fields.text === "string" ? undefined : "a log message's text is not a string";
    case "exit":
      return typeof fields.reason === "string"
        ? undefined
        : "an exit message's reason is not a string";
    case "denied":
      // Only environment probes are reported this way; the value is cut when it is used.
      if (fields.kind !== "env") return "a denied message's kind is not env";
      if (typeof fields.value !== "string") return "a denied message's value is not a string";
      return fields.symbol === undefined ||
          (typeof fields.symbol === "string" && fields.symbol.length <= MAX_SYMBOL_NAME)
        ? undefined
        : `a denied message's symbol is not a name of at most ${MAX_SYMBOL_NAME} characters`;
    default:
      return undefined; // ready and load-error are checked by the handshake, wake has no fields
  }
}

/**
 * The exports a `ready` message reports, checked: a list of at most
 * {@linkcode MAX_SYMBOLS} `{ name, kind }` with distinct names.
 *
 * @returns The symbols, or a string saying what is wrong with them.
 */
export function checkSymbols(value: unknown): SymbolInfo[] | string {
  if (!Array.isArray(value)) return `its exports are not a list but ${kindOf(value)}`;
  if (value.length > MAX_SYMBOLS) {
    return `it reports ${value.length} exports, more than the limit of ${MAX_SYMBOLS}`;
  }
  const names = new Set<string>();
  const symbols: SymbolInfo[] = [];
  for (let index = 0; index < value.length; index++) {
    const item = value[index] as { name?: unknown; kind?: unknown } | null;
    if (typeof item !== "object" || item === null) {
      return `export ${index} is ${kindOf(item)}, not { name, kind }`;
    }
    const { name, kind } = item;
    if (typeof name !== "string" || name.length === 0 || name.length > MAX_SYMBOL_NAME) {
      return `export ${index} has no name of 1 to ${MAX_SYMBOL_NAME} characters`;
    }
    if (typeof kind !== "string" || !SYMBOL_KINDS.has(kind)) {
      return `export ${index} has an unknown kind`;
    }
    if (names.has(name)) return `export ${index} repeats a name`;
    names.add(name);
    symbols.push({ name, kind: kind as SymbolKind });
  }
  return symbols;
}
