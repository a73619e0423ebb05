/**
 * What the runtime tells the host about the calls it starts, so that no
 * result waits behind a long call and the host knows, if the plugin dies,
 * which calls never ran. Before a function not known to return quickly, the
 * replies already made leave, with a `STARTED` record for the call; a quick
 * call still running after its start (an async one) gets its `STARTED`
 * record in the tick's batch. A batch of quick calls still leaves as one
 * message.
 *
 * @module
 */
import { type RecordBatch, STARTED } from "../wire/records.ts";

/**
 * How long a function's start may take, in milliseconds, for the replies
 * before it to wait for it in one batch.
 */
const QUICK_MS = 1;

/** One runtime's record of its functions' starts. */
export class CallStarts {
  readonly #replies: RecordBatch;
  /** The plugin's functions whose last start took under QUICK_MS. */
  readonly #quick = new Set<string>();
  /** How many requests were answered: tells a call answered at once from one still running. */
  #answered = 0;

  constructor(replies: RecordBatch) {
    this.#replies = replies;
  }

  /** A request was answered. */
  answered(): void {
    this.#answered++;
  }

  /**
   * Starts `symbol` through `start`, telling the host as above; `call` is the
   * request's id, when the host tracks it as a call.
   */
  run(symbol: string, start: () => void, call?: number): void {
    const quick = this.#quick.has(symbol);
    if (!quick) {
      // Were the plugin to die in it, the calls after it are known never to have run.
      if (call !== undefined) this.#replies.open().push(STARTED, call);
      this.#replies.flush();
    }
    const answered = this.#answered;
    const began = performance.now();
    start();
    if (performance.now() - began < QUICK_MS) this.#quick.add(symbol);
    else this.#quick.delete(symbol);
    if (quick && call !== undefined && this.#answered === answered) {
      this.#replies.open().push(STARTED, call);
    }
  }
}
