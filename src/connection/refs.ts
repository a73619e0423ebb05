/**
 * What a host passes to a plugin by reference, as a top-level argument of a
 * call: a callback (`callback(fn)`) or a stream (a `ReadableStream` or an
 * async iterable). Each crosses as a small marker naming reference ids; the
 * plugin's runtime turns it back into an async function or an async
 * iterable whose every step is a host call on that id. A reference is valid
 * until the call it was passed to settles: then its stream is cancelled,
 * and a later use is refused with `CallbackExpiredError`.
 *
 * @module
 */

/** The marker's key: `{ "@sandplug": "callback", ref }` or `{ "@sandplug": "stream", next, return, window }`. */
export const REF_MARK = "@sandplug";

/** The callbacks {@linkcode callback} made: only those cross as callbacks. */
const made = new WeakSet<object>();

/**
 * A host function passed to one plugin call, made with {@linkcode callback}.
 * The plugin receives an async function; calling it runs `fn` on the host.
 */
export interface Callback {
  /** The function the plugin's calls run. */
  readonly fn: (...args: never[]) => unknown;
}

/**
 * Wraps a host function to pass to a plugin call as a top-level argument:
 * the plugin receives an async function that runs `fn` on the host, with the
 * arguments it gives (copied), and resolves to what `fn` returns. It is
 * valid until that call settles; calling it later rejects in the plugin with
 * `CallbackExpiredError`. Errors reach the plugin as a name and a message.
 *
 * @param fn The function to run on the host.
 * @returns The wrapper to put among the call's arguments.
 * @throws {TypeError} When `fn` is not a function.
 *
 * @example A plugin reports each item through a callback
 * ```ts
 * import { callback, createHost } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const each = {
 *   async each(items: number[], report: (item: number) => Promise<void>) {
 *     for (const item of items) await report(item * 10);
 *   },
 * };
 * await using host = createHost({ plugins: { each } });
 * const plugin = await host.load("each");
 * const seen: number[] = [];
 * await plugin.call("each", [[1, 2, 3], callback((item: number) => seen.push(item))]);
 * assert.deepEqual(seen, [10, 20, 30]);
 * ```
 */
export function callback<F extends (...args: never[]) => unknown>(fn: F): Callback {
  if (typeof fn !== "function") {
    throw new TypeError(`Cannot make a callback: fn must be a function; current value is ${fn}`);
  }
  const wrapper: Callback = Object.freeze({ fn });
  made.add(wrapper);
  return wrapper;
}

function isCallback(value: unknown): value is Callback {
  return typeof value === "object" && value !== null && made.has(value);
}

function isStream(value: unknown): value is ReadableStream<unknown> | AsyncIterable<unknown> {
  if (typeof value !== "object" || value === null) return false;
  // The property first: it is read in a few nanoseconds, an instanceof takes several times that.
  return typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function" ||
    value instanceof ReadableStream;
}

/** Whether `value`, an argument, is passed by reference: a callback or a stream. */
export function isRef(value: unknown): boolean {
  return isCallback(value) || isStream(value);
}

/** Whether any top-level argument is passed by reference. */
export function hasRefs(args: readonly unknown[]): boolean {
  for (const arg of args) if (isRef(arg)) return true;
  return false;
}

/** How many items of a stream argument the plugin reads ahead. */
const STREAM_WINDOW = 16;

type Target = (...args: unknown[]) => unknown;

/** The references of one connection's calls, by id. */
export class Refs {
  readonly #targets = new Map<number, Target>();
  /** The reference ids of each call, and what to do when it settles. */
  readonly #byCall = new Map<number, { ids: number[]; release: (() => void)[] }>();
  #nextRef = 1;

  /**
   * The call's arguments with each callback and stream replaced by its
   * marker, registered until {@linkcode Refs.release} of `call`.
   */
  replace(call: number, args: readonly unknown[]): unknown[] {
    const entry = { ids: [] as number[], release: [] as (() => void)[] };
    this.#byCall.set(call, entry);
    const add = (target: Target) => {
      const id = this.#nextRef++;
      this.#targets.set(id, target);
      entry.ids.push(id);
      return id;
    };
    return args.map((arg) => {
      if (isCallback(arg)) {
        const fn = arg.fn as Target;
        return { [REF_MARK]: "callback", ref: add((...values) => fn(...values)) };
      }
      if (!isStream(arg)) return arg;
      const source = arg instanceof ReadableStream ? arg : ReadableStream.from(arg);
      const reader = source.getReader();
      let open = true;
      const cancel = async () => {
        if (!open) return;
        open = false;
        await reader.cancel().catch(() => {});
      };
      entry.release.push(() => void cancel());
      const next = add(async () => {
        if (!open) return { done: true };
        const { done, value } = await reader.read();
        if (done) open = false;
        return done ? { done: true } : { done: false, value };
      });
      const end = add(cancel);
      return { [REF_MARK]: "stream", next, return: end, window: STREAM_WINDOW };
    });
  }

  /** The function behind reference `id`, or undefined when its call settled (or it never was). */
  get(id: number): Target | undefined {
    return this.#targets.get(id);
  }

  /** The call settled: its references expire, and its streams are cancelled. */
  release(call: number): void {
    const entry = this.#byCall.get(call);
    if (entry === undefined) return;
    this.#byCall.delete(call);
    for (const id of entry.ids) this.#targets.delete(id);
    for (const release of entry.release) release();
  }

  /** The connection ended: every reference expires. */
  releaseAll(): void {
    for (const call of [...this.#byCall.keys()]) this.release(call);
  }
}
