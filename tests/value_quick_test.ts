/**
 * The quick walk of plain records in the check of what may cross
 * (`src/wire/value_quick.ts`): it finds what the full walk finds, with the
 * same path, at any depth, and ends on cycles and on values built to make
 * a walk slow.
 *
 * @module
 */
import assert from "node:assert/strict";
import { valueProblem } from "../src/wire/value_check.ts";
import { QUICK_DEPTH } from "../src/wire/value_quick.ts";

/** A chain of plain records `depth` deep with `leaf` at its end, and its path. */
function chain(depth: number, leaf: unknown): { value: Record<string, unknown>; path: string } {
  let value: Record<string, unknown> = { leaf };
  let path = ".leaf";
  for (let level = depth; level > 0; level--) {
    value = { [`k${level}`]: value, n: level };
    path = `.k${level}${path}`;
  }
  return { value, path };
}

Deno.test("the quick walk finds what may not cross at every depth, under records, with its path", async (t) => {
  const leaves: [string, unknown, RegExp][] = [
    ["a function", () => {}, /a function/],
    ["a symbol", Symbol("s"), /a symbol/],
    ["a class instance", new (class Gadget {})(), /Gadget/],
    ["a Proxy", new Proxy({}, {}), /a Proxy/],
    ["a Map holding a function", new Map([["f", () => {}]]), /a function/],
  ];
  for (const depth of [0, 3, QUICK_DEPTH - 1, QUICK_DEPTH, QUICK_DEPTH + 5, 200]) {
    await t.step(`${depth} levels down`, () => {
      for (const [what, leaf, found] of leaves) {
        const { value, path } = chain(depth, leaf);
        const problem = valueProblem(value, "args[1]");
        assert.ok(problem !== undefined, `${what} at depth ${depth} was let through`);
        assert.match(problem.found, found, what);
        const expected = what.startsWith("a Map") ? `args[1]${path}.get("f")` : `args[1]${path}`;
        if (depth < 50) assert.equal(problem.path, expected, what);
        else {
          // A long path is cut in the middle.
          assert.ok(problem.path.startsWith("args[1].k1.k2.k3"), problem.path);
          assert.ok(problem.path.endsWith(expected.slice(-24)), problem.path);
        }
      }
      assert.equal(valueProblem(chain(depth, 1).value, "value"), undefined);
    });
  }
});

Deno.test("the quick walk ends on a cycle of plain records, and on one through a Map", () => {
  const ring: Record<string, unknown> = { name: "a" };
  ring.next = { name: "b", next: { name: "c", next: ring } };
  assert.equal(valueProblem(ring, "value"), undefined);
  ring.hook = () => {};
  assert.equal(valueProblem(ring, "value")?.path, "value.hook");
  const outer: Record<string, unknown> = {};
  outer.map = new Map([["back", outer]]);
  assert.equal(valueProblem(outer, "value"), undefined);
});

Deno.test("the quick walk bounds a record holding the next one many times over", () => {
  // 20 levels, each with 8 keys for the next: 8^20 ways down, a few dozen objects.
  let value: Record<string, unknown> = { end: true };
  for (let level = 0; level < 20; level++) {
    const next = value;
    value = Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`k${k}`, next]));
  }
  const start = performance.now();
  assert.equal(valueProblem(value, "value"), undefined);
  const bottom = value as Record<string, Record<string, unknown>>;
  let inner: Record<string, unknown> = bottom;
  for (let level = 0; level < 19; level++) inner = inner.k0 as Record<string, unknown>;
  inner.k3 = { hook: () => {} };
  assert.match(valueProblem(value, "value")?.found ?? "", /a function/);
  // Not a timing assertion on speed: a walk of 8^20 paths would never return at all.
  assert.ok(performance.now() - start < 60_000);
});
