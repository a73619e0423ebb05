import type { CallMessage, GetMessage, SetMessage, WireError } from "./protocol.ts";

/** A request as the host writes it; the connection adds the id. */
export type Request = Omit<CallMessage, "id"> | Omit<GetMessage, "id"> | Omit<SetMessage, "id">;

/** A permission plugin code tried and was refused. */
export interface Denial {
  /** The permission kind, e.g. `"net"`. */
  kind: string;
  /** The item, e.g. `"example.com:443"`, when Deno named one. */
  value: string | undefined;
  /** The symbol whose call was refused it. */
  symbol: string;
}

const DENIAL = /Requires (\w+) access(?: to "([^"]*)")?/;

/** The permission a refused call names in its error, as Deno words it ("Requires net access to …"). */
export function deniedIn(message: string, symbol: string): Denial | undefined {
  const match = message.match(DENIAL);
  return match === null ? undefined : { kind: match[1], value: match[2], symbol };
}

/** Whether a value from the plugin has the shape of an error as data. */
export function isWireError(value: unknown): value is WireError {
  return typeof value === "object" && value !== null &&
    typeof (value as WireError).name === "string" &&
    typeof (value as WireError).message === "string";
}

/** Finds which part of a request cannot be cloned, to name it in the error. */
export function unclonablePath(request: Request): string {
  const parts: [string, unknown][] = request.type === "call"
    ? request.args.map((arg, index) => [`args[${index}]`, arg])
    : request.type === "set"
    ? [["value", request.value]]
    : [];
  for (const [path, value] of parts) {
    try {
      structuredClone(value);
    } catch {
      return path;
    }
  }
  return request.type === "set" ? "value" : "args";
}
