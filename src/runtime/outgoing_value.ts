/**
 * Whether a value plugin code hands the host (a result, a stream item, the
 * arguments of a host call) can cross as it is: refused here, never changed
 * on the way, since the process tier's codec would flatten a class instance.
 *
 * @module
 */
import { measure } from "../wire/payload.ts";
import { takeTransfers } from "../wire/transfer.ts";
import { copyOnce } from "../wire/copy_once.ts";
import { refusalText, valueProblem } from "../wire/value_check.ts";

/** Why a value cannot cross, as the error data that says so. */
export interface Refusal {
  name: "ValidationError" | "PayloadTooLargeError";
  message: string;
  path?: string;
  size?: number;
}

/**
 * The refusal of `value`, or undefined when it may cross.
 *
 * @param what What the value is, as a path: `"result"`, `"item"`, `"args"`.
 */
export function outgoingRefusal(
  value: unknown,
  what: string,
  maxMessageBytes: number,
): Refusal | undefined {
  // First: it turns a getter that throws into a refusal, where measuring would throw.
  const refused = valueProblem(value, what);
  if (refused !== undefined) {
    return { name: "ValidationError", message: refusalText(refused, "host"), path: refused.path };
  }
  const { bytes } = measure(value, maxMessageBytes);
  if (bytes <= maxMessageBytes) return undefined;
  return {
    name: "PayloadTooLargeError",
    message: `the ${what} is over ${maxMessageBytes} bytes`,
    size: bytes,
  };
}

/**
 * A value as it leaves, with the buffers it moves rather than copies: those
 * plugin code marked with `transfer()`, or, where the tier clones and can
 * transfer (`copiesOnce`), a large buffer copied once and moved.
 */
export function movable(
  value: unknown,
  copiesOnce: boolean,
): { sent: unknown; transfer: Transferable[] | undefined } {
  if (typeof value !== "object" || value === null) return { sent: value, transfer: undefined };
  const marked = takeTransfers([value]);
  const copied = marked === undefined && copiesOnce ? copyOnce(value) : undefined;
  return copied === undefined
    ? { sent: value, transfer: marked }
    : { sent: copied.value, transfer: [copied.transfer] };
}
