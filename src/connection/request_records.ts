import { PayloadTooLargeError, ValidationError } from "../errors/call_errors.ts";
import { copyOnce } from "../wire/copy_once.ts";
import { measure } from "../wire/payload.ts";
import { CALL, CALL_REFS, GET, type RecordBatch, type RequestTag, SET } from "../wire/records.ts";
import { takeTransfers } from "../wire/transfer.ts";
import { argsProblem, refusalText, valueProblem } from "../wire/value_check.ts";
import { errorText } from "../wire/error_text.ts";
import { unclonablePath } from "./reply.ts";
import type { PendingRequests } from "./pending_requests.ts";
import type { TalkBack } from "./talk_back.ts";

/**
 * Why a request may not be sent, or undefined when it may: its arguments
 * (a call) or value (a set) measure more than `maxMessageBytes`, or hold a
 * value that cannot cross alike in every tier (`wire/value_check.ts`), which
 * is refused rather than sent changed.
 */
export function requestProblem(
  plugin: string,
  tag: RequestTag,
  symbol: string,
  payload: unknown,
  maxMessageBytes: number,
): PayloadTooLargeError | ValidationError | undefined {
  if (tag === GET) return undefined;
  // First: it turns a getter that throws into a refusal, where measuring would throw.
  const problem = tag === CALL ? argsProblem(payload as unknown[]) : valueProblem(payload, "value");
  if (problem !== undefined) {
    return new ValidationError(plugin, symbol, problem.path, refusalText(problem, "plugin"));
  }
  const { bytes } = measure(payload, maxMessageBytes);
  if (bytes <= maxMessageBytes) return undefined;
  return new PayloadTooLargeError(
    plugin,
    symbol,
    tag === CALL ? "arguments" : "value",
    bytes,
    maxMessageBytes,
  );
}

/**
 * Writes a request's record into the outbox, with what it transfers: the
 * buffers plugin code marked, or, when `copies` (the tier clones and can
 * transfer) and none are marked, a call's large buffers copied once.
 *
 * @param payload A call's arguments (an array the connection may keep), or a set's value.
 */
export function writeRequest(
  outbox: RecordBatch,
  id: number,
  tag: RequestTag | typeof CALL_REFS,
  symbol: string,
  payload: unknown,
  copies: boolean,
): void {
  const records = outbox.open();
  if (tag === CALL || tag === CALL_REFS) {
    const args = payload as unknown[];
    const marked = takeTransfers(args);
    records.push(tag, id, symbol, args.length);
    for (let index = 0; index < args.length; index++) {
      const copied = copies && marked === undefined ? copyOnce(args[index]) : undefined;
      records.push(copied === undefined ? args[index] : copied.value);
      if (copied !== undefined) outbox.transfer([copied.transfer]);
    }
    outbox.transfer(marked);
  } else if (tag === SET) {
    records.push(SET, id, symbol, payload);
    outbox.transfer(takeTransfers([payload]));
  } else {
    records.push(GET, id, symbol);
  }
}

/**
 * A record of the host's that could not be serialised fails what sent it:
 * a call or a set fails with a `ValidationError` naming the path of what
 * could not be sent; a host call's answer or a stream's start fails there.
 */
export function failUnsendable(
  plugin: string,
  record: unknown[],
  cause: unknown,
  requests: PendingRequests,
  talkBack: TalkBack,
): void {
  const id = record[1] as number;
  const what = `cannot be sent to the plugin: ${errorText(cause)}`;
  // A host call's answer (an id of the plugin's own) or a stream's start fails there.
  const symbol = talkBack.streams.get(id)?.symbol ?? "a host call";
  if (talkBack.unsendable(record, new ValidationError(plugin, symbol, "args", what))) return;
  const tag = record[0];
  const pending = tag === CALL || tag === CALL_REFS || tag === SET ? requests.get(id) : undefined;
  if (pending === undefined) return;
  const path = unclonablePath(pending.tag, pending.payload);
  requests.fail(id, pending, new ValidationError(plugin, pending.symbol, path, what, { cause }));
}
