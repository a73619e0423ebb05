import assert from "node:assert/strict";
import { boundedWait } from "../src/wire/bounded_wait.ts";
Deno.test("boundedWait() settles as the promise, on its deadline, or on the abort", async (t) => {
  await t.step("settles as the promise", async () => {
    assert.equal(await boundedWait(Promise.resolve(1), { timeoutMs: 50, onTimeout: () => 2 }), 1);
    await assert.rejects(
      boundedWait(Promise.reject(new Error("x")), { timeoutMs: 50, onTimeout: () => 2 }),
      /x/,
    );
  });
  await t.step("timeout value and throw", async () => {
    assert.equal(
      await boundedWait(new Promise(() => {}), { timeoutMs: 10, onTimeout: () => 2 }),
      2,
    );
    await assert.rejects(
      boundedWait(new Promise(() => {}), {
        timeoutMs: 10,
        onTimeout: () => {
          throw new RangeError("late");
        },
      }),
      RangeError,
    );
  });
  await t.step("abort and pre-aborted, caller's TimeoutError", async () => {
    const c = new AbortController();
    const p = boundedWait(new Promise(() => {}), {
      timeoutMs: 1000,
      signal: c.signal,
      onTimeout: () => 2,
    });
    c.abort(new TypeError("gone"));
    await assert.rejects(p, TypeError);
    await assert.rejects(
      boundedWait(new Promise(() => {}), {
        timeoutMs: 1000,
        signal: AbortSignal.abort("r"),
        onTimeout: () => 2,
      }),
      (e) => e === "r",
    );
    const theirs = AbortSignal.timeout(5);
    await assert.rejects(
      boundedWait(new Promise(() => {}), { timeoutMs: 1000, signal: theirs, onTimeout: () => 2 }),
      (e: Error) => e.name === "TimeoutError",
    );
  });
  await t.step("a late rejection is handled; odd delays", async () => {
    const { promise, reject } = Promise.withResolvers<number>();
    assert.equal(await boundedWait(promise, { timeoutMs: 1, onTimeout: () => 2 }), 2);
    reject(new Error("late"));
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(
      await boundedWait(new Promise(() => {}), { timeoutMs: NaN, onTimeout: () => 3 }),
      3,
    );
    assert.equal(
      await boundedWait(new Promise(() => {}), { timeoutMs: -5, onTimeout: () => 3 }),
      3,
    );
    assert.equal(
      await boundedWait(Promise.resolve(4), { timeoutMs: Infinity, onTimeout: () => 3 }),
      4,
    );
    assert.equal(
      await boundedWait(Promise.resolve(4), { timeoutMs: 2 ** 40, onTimeout: () => 3 }),
      4,
    );
  });
});
