/**
 * `callEach()`: one plugin's calls over a run's items, answered
 * synchronously (an inline plugin's functions), asynchronously, or both.
 *
 * @module
 */
import assert from "node:assert/strict";
import { callEach } from "../src/framework/batch.ts";

const accept = () => undefined;

Deno.test("callEach() takes synchronous values and throws as they come, with no call after a failure", async () => {
  const made: number[] = [];
  const outcome = await callEach(5, Infinity, (index) => {
    made.push(index);
    if (index === 2) throw new Error("item 2");
    return index * 10;
  }, accept);
  assert.deepEqual(made, [0, 1, 2]);
  assert.deepEqual([outcome.calls, outcome.errors], [3, 1]);
  assert.deepEqual(outcome.values.slice(0, 2), [0, 10]);
  assert.equal(outcome.fault?.index, 2);
  assert.equal((outcome.fault?.error as Error).message, "item 2");
});

Deno.test("callEach() refuses a synchronous value check() refuses, as it would a promised one", async () => {
  const wrong = new TypeError("not a number");
  const check = (value: unknown) => (typeof value === "number" ? undefined : wrong);
  for (
    const answer of [
      (i: number) => (i === 1 ? "x" : i),
      (i: number) => Promise.resolve(i === 1 ? "x" : i),
    ]
  ) {
    const outcome = await callEach(3, 1, answer, check);
    assert.deepEqual([outcome.calls, outcome.errors, outcome.fault?.index], [2, 1, 1]);
    assert.equal(outcome.fault?.error, wrong);
  }
});

Deno.test("callEach() keeps the bound on calls in flight with answers of both kinds", async () => {
  let inFlight = 0;
  let most = 0;
  const outcome = await callEach(40, 3, (index) => {
    if (index % 2 === 0) return index; // answered at once: never in flight
    most = Math.max(most, ++inFlight);
    return new Promise((resolve) => setTimeout(() => (inFlight--, resolve(index)), 1));
  }, accept);
  assert.ok(most <= 3, `at most 3 in flight, saw ${most}`);
  assert.deepEqual(outcome.values, Array.from({ length: 40 }, (_, i) => i));
  assert.deepEqual([outcome.calls, outcome.errors, outcome.fault], [40, 0, undefined]);
});

Deno.test("callEach() awaits the calls in flight after a synchronous failure, and settles", async () => {
  let settled = 0;
  const outcome = await callEach(4, Infinity, (index) => {
    if (index === 2) throw new Error("item 2");
    return new Promise((resolve) => setTimeout(() => (settled++, resolve(index)), 5));
  }, accept);
  assert.equal(settled, 2, "the two calls before the failure were awaited");
  assert.deepEqual([outcome.calls, outcome.errors, outcome.values[0], outcome.values[1]], [
    3,
    1,
    0,
    1,
  ]);
});

Deno.test("callEach() over no items settles at once", async () => {
  const outcome = await callEach(0, 1, () => assert.fail("no call"), accept);
  assert.deepEqual([outcome.calls, outcome.errors, outcome.values, outcome.fault], [
    0,
    0,
    [],
    undefined,
  ]);
});
