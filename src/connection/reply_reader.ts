import {
  END,
  HOST_CALL,
  HOST_CANCEL,
  ITEM,
  OK,
  pluginRecordLength,
  PONG,
  STARTED,
} from "../wire/records.ts";
import type { TalkBack } from "./talk_back.ts";
import { callFailure, type Denial, deniedIn, remoteError, resultProblem } from "./reply.ts";
import type { Pending } from "./pending.ts";
import type { PendingRequests } from "./pending_requests.ts";
import type { StuckProbe } from "./stuck_probe.ts";

/** What a {@linkcode ReplyReader} acts on besides the pending requests. */
export interface ReplyReaderOptions {
  plugin: string;
  maxMessageBytes: number;
  /** Hears of the pongs. */
  probe: StuckProbe;
  /** Told of a permission plugin code was refused, seen in an error it let through. */
  denied(denial: Denial): void;
  /** Told of a malformed record: the runtime broke the protocol. */
  broke(problem: string): void;
  /** Where the plugin's host calls go, and the streams it sends. */
  talkBack: TalkBack;
}

/**
 * Reads the runtime's reply batches: each reply settles its request once
 * checked (a result too large or sharing memory fails it), and each pong
 * answers the stuck probe. A hostile runtime may send anything: a malformed
 * record stops the batch and ends the plugin.
 */
export class ReplyReader {
  readonly #requests: PendingRequests;
  readonly #options: ReplyReaderOptions;

  constructor(requests: PendingRequests, options: ReplyReaderOptions) {
    this.#requests = requests;
    this.#options = options;
  }

  /** Reads one batch of records. */
  read(records: unknown[]): void {
    for (let at = 0; at < records.length;) {
      const length = pluginRecordLength(records, at);
      if (length === 0 || at + length > records.length) {
        return this.#options.broke(`record ${at} of a reply batch is malformed`);
      }
      const id = records[at + 1];
      if (records[at] === PONG) {
        this.#options.probe.answered(id);
      } else if (records[at] === HOST_CALL) {
        this.#options.talkBack.hostCall(id, records[at + 2], records.slice(at + 4, at + length));
      } else if (records[at] === HOST_CANCEL) {
        this.#options.talkBack.hostCancel(id);
      } else if (records[at] === STARTED) {
        const pending = this.#requests.get(id);
        if (pending !== undefined) pending.started = true;
      } else if (records[at] === ITEM || records[at] === END) {
        this.#streamRecord(records[at] === ITEM, id, records[at + 2]);
      } else {
        // Undefined for a late reply to a request that already timed out or was aborted.
        const pending = this.#requests.get(id);
        if (pending !== undefined) {
          if (records[at] === OK) this.#accept(id as number, pending, records[at + 2]);
          else this.#refused(id as number, pending, records[at + 2]);
        } else if (records[at] !== OK) {
          this.#streamFailed(id, records[at + 2]);
        }
      }
      at += length;
    }
  }

  /** An item or the end of a stream; items are checked like results. */
  #streamRecord(isItem: boolean, id: unknown, value: unknown): void {
    const stream = this.#options.talkBack.streams.get(id);
    if (stream === undefined) return;
    if (!isItem) return stream.end();
    const { plugin, maxMessageBytes } = this.#options;
    const problem = resultProblem(plugin, stream.symbol, value, maxMessageBytes);
    if (problem === undefined) stream.item(value);
    else stream.fail(problem);
  }

  /** A stream's function failed, or its iterator threw. */
  #streamFailed(id: unknown, error: unknown): void {
    const stream = this.#options.talkBack.streams.get(id);
    if (stream === undefined) return;
    const { plugin, maxMessageBytes } = this.#options;
    const remote = remoteError(error, maxMessageBytes);
    const denial = deniedIn(remote.message, stream.symbol);
    if (denial !== undefined) this.#options.denied(denial);
    stream.fail(callFailure(plugin, stream.symbol, remote, maxMessageBytes));
  }

  /** A request plugin code answered: its value, once checked. */
  #accept(id: number, pending: Pending, value: unknown): void {
    const { plugin, maxMessageBytes } = this.#options;
    const problem = resultProblem(plugin, pending.symbol, value, maxMessageBytes);
    if (problem === undefined) this.#requests.settle(id, pending, true, value);
    else this.#requests.fail(id, pending, problem);
  }

  /** A request plugin code failed: a call error, or a result too large to send. */
  #refused(id: number, pending: Pending, error: unknown): void {
    const { plugin, maxMessageBytes } = this.#options;
    const remote = remoteError(error, maxMessageBytes);
    const denial = deniedIn(remote.message, pending.symbol);
    if (denial !== undefined) this.#options.denied(denial);
    this.#requests.fail(id, pending, callFailure(plugin, pending.symbol, remote, maxMessageBytes));
  }
}
