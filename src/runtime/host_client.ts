/**
 * The runtime's client for host calls: each `host.call()` becomes a
 * `HOST_CALL` record in the next batch to the host, and settles when the
 * host's `HOST_OK` or `HOST_ERR` for it arrives, or when plugin code gives up
 * (its signal or deadline), which the host hears of as `HOST_CANCEL`.
 *
 * @module
 */
import { HOST_CALL, HOST_CANCEL } from "../wire/records.ts";
import { outgoingRefusal } from "./outgoing_value.ts";
import {
  CallbackExpiredError,
  type HostCaller,
  HostCallError,
  HostCallTimeoutError,
  HostFunctionDeniedError,
} from "./host_api.ts";

interface Waiting {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Stops the deadline timer and the abort listener. */
  done(): void;
}

/** The longest name a host call may carry; the host refuses longer ones too. */
export const MAX_HOST_FUNCTION_NAME = 256;

/** Host calls in flight from one isolate (one plugin). */
export class HostClient {
  readonly #records: () => unknown[];
  readonly #maxMessageBytes: () => number;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;

  /**
   * @param records The records of the batch leaving at the end of this tick.
   * @param maxMessageBytes The host's payload limit.
   */
  constructor(records: () => unknown[], maxMessageBytes: () => number) {
    this.#records = records;
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** The caller the SDK's `host` object uses. */
  readonly call: HostCaller = (name, args, options) => {
    if (
      typeof name === "string" ? name.length > MAX_HOST_FUNCTION_NAME : typeof name !== "number"
    ) {
      return Promise.reject(
        new TypeError("a host function's name must be a string of at most 256 characters"),
      );
    }
    options?.signal?.throwIfAborted();
    const list = Array.isArray(args) ? args : [];
    const refused = outgoingRefusal(list, "args", this.#maxMessageBytes());
    if (refused !== undefined) {
      return Promise.reject(
        new HostCallError(refused.name, `${refused.path ?? "args"}: ${refused.message}`),
      );
    }
    const id = this.#nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const giveUp = (error: unknown) => {
      if (!this.#waiting.delete(id)) return;
      done();
      this.#records().push(HOST_CANCEL, id);
      reject(error);
    };
    const timeoutMs = options?.timeoutMs;
    const timer = timeoutMs === undefined ? undefined : setTimeout(
      (since: number) => {
        giveUp(new HostCallTimeoutError(String(name), timeoutMs, performance.now() - since));
      },
      timeoutMs,
      performance.now(),
    );
    const signal = options?.signal;
    const onAbort = () => giveUp(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    this.#waiting.set(id, { resolve, reject, done });
    this.#records().push(HOST_CALL, id, name, list.length, ...list);
    return promise;
  };

  /** The host's answer to call `id`; one for a call given up on is dropped. */
  settle(id: unknown, ok: boolean, value: unknown): void {
    const waiting = this.#waiting.get(id as number);
    if (waiting === undefined) return;
    this.#waiting.delete(id as number);
    waiting.done();
    if (ok) waiting.resolve(value);
    else waiting.reject(hostError(value));
  }
}

/** The error plugin code sees for the host's answer: a name and a message, nothing else. */
function hostError(data: unknown): HostCallError {
  const { name, message } = (typeof data === "object" && data !== null ? data : {}) as {
    name?: unknown;
    message?: unknown;
  };
  const text = typeof message === "string" ? message : "the host function failed";
  if (name === "HostFunctionDeniedError") return new HostFunctionDeniedError(text);
  if (name === "CallbackExpiredError") return new CallbackExpiredError(text);
  return new HostCallError(typeof name === "string" ? name : "Error", text);
}
