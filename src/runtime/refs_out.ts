/**
 * The plugin's side of what the host passed by reference: each top-level
 * argument marked `{ "@sandplug": … }` (only in a `CALL_REFS` record, which
 * the host writes) becomes an async function (a callback) or an async
 * iterable (a stream), whose every use is a host call on a reference id.
 * A stream is read `window` items ahead at most; `return()` (a `break` in
 * `for await`) cancels it on the host.
 *
 * @module
 */
import type { HostCaller } from "./host_api.ts";

const MARK = "@sandplug";

type Marker = {
  [MARK]: unknown;
  ref?: unknown;
  next?: unknown;
  return?: unknown;
  window?: unknown;
};

function isMarker(value: unknown): value is Marker {
  return typeof value === "object" && value !== null && Object.hasOwn(value, MARK);
}

/** The call's arguments with each reference marker turned into what it stands for. */
export function resolveRefs(args: unknown[], call: HostCaller): unknown[] {
  return args.map((arg) => {
    if (!isMarker(arg)) return arg;
    if (arg[MARK] === "callback" && typeof arg.ref === "number") {
      const ref = arg.ref;
      return (...values: unknown[]) => call(ref, values, undefined);
    }
    if (arg[MARK] === "stream" && typeof arg.next === "number" && typeof arg.return === "number") {
      const window = typeof arg.window === "number" && arg.window >= 1 ? arg.window : 1;
      return streamOf(call, arg.next, arg.return, window);
    }
    return arg;
  });
}

type Step = { done: boolean; value?: unknown };

/** An async iterable whose steps are host calls, `window` of them ahead at most. */
function streamOf(
  call: HostCaller,
  next: number,
  end: number,
  window: number,
): AsyncIterable<unknown> {
  // Reference ids travel where host function names do; the host tells them apart by type.
  const step = () => call(next, [], undefined) as Promise<Step>;
  const ahead: Promise<Step>[] = [];
  let finished = false;
  const iterator: AsyncIterableIterator<unknown> = {
    async next(): Promise<IteratorResult<unknown>> {
      if (finished) return { done: true, value: undefined };
      while (ahead.length < window) ahead.push(step());
      const result = await ahead.shift()!;
      if (result.done) {
        finished = true;
        // Reads asked for past the end answer "done", or are refused once the call settles.
        for (const pending of ahead.splice(0)) pending.catch(() => {});
        return { done: true, value: undefined };
      }
      return { done: false, value: result.value };
    },
    async return(): Promise<IteratorResult<unknown>> {
      if (!finished) {
        finished = true;
        // Reads already asked for are answered or refused on the host; none is left waiting.
        for (const pending of ahead.splice(0)) pending.catch(() => {});
        await call(end, [], undefined);
      }
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
