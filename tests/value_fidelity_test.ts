/**
 * One table of values run against every tier, both ways: each value is sent
 * to an `echo` plugin (as an argument) and made by the plugin (as a result).
 * Each either arrives as structured clone delivers it, or is refused with a
 * `ValidationError` that names the same path, with the same message, in
 * every tier. One module makes the values, and the host and the plugin both
 * import it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createHost,
  type LoadOptions,
  type Plugin,
  ValidationError,
  type Variable,
} from "@sandplug/host";
import { decodeMessage, encodeMessage, FRAME_HEADER_BYTES } from "../src/wire/framing.ts";
import { tempPlugin } from "./_helpers.ts";

/** The values, by name; written into the plugin's folder and imported by the test too. */
const VALUES_MODULE = `
export class Point { constructor(public x: number, public y: number) {} }
class Dict extends Map<unknown, unknown> {}
class Bytes extends Uint8Array {}
class MyError extends Error { override name = "MyError"; }

/** Each level holds the next twice: 2^levels ways down to one leaf. */
function shared(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let level = 0; level < levels; level++) value = { a: value, b: value };
  return value;
}

function nest(levels: number): unknown {
  let value: unknown = {};
  for (let level = 0; level < levels; level++) value = { v: value };
  return value;
}

export const VALUES: Record<string, () => unknown> = {
  "numbers": () => [0, -0, NaN, Infinity, -Infinity, 1.5, 2 ** 53, -(2 ** 31), 255],
  "strings": () => ["", "text", "é ☃ 😀", "\\ud800 lone", "x".repeat(100)],
  "other primitives": () => [true, false, null, undefined, 10n, -(2n ** 100n)],
  "-0 alone": () => -0,
  "a bigint alone": () => 2n ** 64n,
  "nested plain data": () => ({ a: [1, { b: "c" }], d: null, e: { f: { g: [[]] } } }),
  "undefined in arrays and objects": () => ({ list: [undefined, 1, undefined], key: undefined }),
  "a sparse array": () => { const a = [1, , 3]; a[10] = 4; return a; },
  "a long sparse array": () => { const a: number[] = []; a[100] = 1; a[1000] = 2; return a; },
  "a long array of objects": () => Array.from({ length: 1000 }, (_, i) => ({ i })),
  "an array with a property beside its items": () => Object.assign([1, 2], { note: "x" }),
  "a cyclic object": () => { const o: Record<string, unknown> = { name: "o" }; o.self = o; o.list = [o]; return o; },
  "one object twice": () => { const shared = { n: 1 }; return { a: shared, b: shared }; },
  "a null-prototype object": () => Object.assign(Object.create(null), { a: 1 }),
  "Map and Set": () => new Map<unknown, unknown>([["k", 1], [{ id: 1 }, new Set([1, "two", { three: 3 }])]]),
  "dates": () => [new Date(0), new Date(NaN)],
  "a RegExp": () => /a+(b)?/giu,
  "an ArrayBuffer": () => new Uint8Array([1, 2, 3]).buffer,
  "a resizable ArrayBuffer": () => new ArrayBuffer(8, { maxByteLength: 16 }),
  "typed arrays": () => [
    new Uint8Array([1, 255]), new Int16Array([-1]), new Float32Array([1.5]),
    new Float64Array([NaN, -0]), new BigInt64Array([-1n]), new BigUint64Array([2n ** 64n - 1n]),
    new Uint8ClampedArray([9]),
  ],
  "a partial view": () => new Uint8Array(new Uint8Array(64).map((_, i) => i).buffer, 16, 8),
  "a DataView": () => new DataView(new ArrayBuffer(12), 4, 4),
  "two views of one buffer": () => { const b = new ArrayBuffer(16); return [new Uint8Array(b, 0, 4), new Uint8Array(b, 8, 4)]; },
  "boxed primitives": () => [Object(1), Object("s"), Object(false), Object(5n)],
  "errors of the built-in types, with causes": () => [
    new Error("plain"), new RangeError("range", { cause: { code: 7 } }),
    new TypeError("outer", { cause: new SyntaxError("inner") }),
    new EvalError("e"), new ReferenceError("r"), new URIError("u"),
  ],
  "999 levels deep": () => nest(999),
  "an object held 2^17 ways": () => shared(17, { leaf: 1 }),

  "a function": () => ({ callback: () => 1 }),
  "a symbol": () => [1, Symbol("s")],
  "a class instance": () => ({ point: new Point(1, 2) }),
  "a Map subclass": () => new Dict(),
  "a typed array subclass": () => new Bytes(2),
  "a Blob": () => new Blob(["hi"]),
  "a File": () => ({ upload: new File(["hi"], "a.txt") }),
  "a ReadableStream": () => ({ nested: new ReadableStream() }),
  "a Promise": () => ({ later: Promise.resolve(1) }),
  "a WeakMap": () => new WeakMap(),
  "a Proxy": () => ({ p: new Proxy({}, {}) }),
  "a SharedArrayBuffer": () => new SharedArrayBuffer(8),
  "a detached ArrayBuffer": () => { const b = new ArrayBuffer(8); structuredClone(b, { transfer: [b] }); return b; },
  "an Error subclass": () => new MyError("x"),
  "an Error with a code": () => Object.assign(new Error("x"), { code: "E_X" }),
  "an Error with another name": () => { const e = new Error("x"); e.name = "Custom"; return e; },
  "an AggregateError": () => new AggregateError([], "agg"),
  "a DOMException": () => new DOMException("m", "AbortError"),
  "a URL": () => new URL("https://example.com/"),
  "a boxed symbol": () => Object(Symbol("s")),
  "a function in a Map value": () => new Map([["k", () => 1]]),
  "a function as a Map key": () => new Map([[() => 1, 1]]),
  "a class instance in a Set": () => new Set([1, new Point(0, 0)]),
  "a function in an error's cause": () => new Error("x", { cause: { retry: () => 1 } }),
  "a function beside an array's items": () => Object.assign([1], { f: () => 1 }),
  "a function in a long sparse array": () => { const a: unknown[] = []; a[500] = () => 1; return a; },
  "a function under an odd key": () => ({ "a b\\n": () => 1 }),
  "1000 levels deep": () => nest(1000),
  "a function held 2^17 ways": () => shared(17, { f: () => 1 }),
  "a getter that throws": () => ({ get bad() { throw new RangeError("no"); } }),
};
`;

const PLUGIN = `
import { variable } from "@sandplug/host/plugin";
import { VALUES } from "./values.ts";
export const slot = variable<unknown>(null);
export function echo(value: unknown): unknown { return value; }
export function echoAll(...values: unknown[]): unknown[] { return values; }
export function make(name: string): unknown { return VALUES[name](); }
export async function makeLater(name: string): Promise<unknown> {
  await null;
  return VALUES[name]();
}
`;

/** How a value arrives: as a copy (checked by `verify`), or refused at a path below the top. */
type Expected =
  | {
    copy: true;
    /** Arrives as a plain object (a null prototype does not cross). */
    plain?: boolean;
    verify?: (back: unknown, sent: unknown) => void;
    /** `verify` compares with what was sent: made twice, the values differ (an error's stack). */
    argumentOnly?: boolean;
    /** Too deep for deepStrictEqual, which recurses: `verify` alone checks it. */
    deep?: boolean;
  }
  | { path: string; found: RegExp };

const COPY: Expected = { copy: true };
// deepStrictEqual does not compare a view's buffer and offset, nor an error's stack.
const sameView = (offset: number, bufferBytes: number) => (back: unknown) => {
  const view = back as ArrayBufferView;
  assert.equal(view.byteOffset, offset);
  assert.equal(view.buffer.byteLength, bufferBytes);
};

/** How many `{ v }` levels hold the innermost `{}`. */
function depthOf(value: unknown): number {
  let depth = 0;
  for (let at = value as { v?: unknown }; at.v !== undefined; at = at.v as { v?: unknown }) depth++;
  return depth;
}

const TABLE: [string, Expected][] = [
  ["numbers", COPY],
  ["strings", COPY],
  ["other primitives", COPY],
  ["-0 alone", COPY],
  ["a bigint alone", COPY],
  ["nested plain data", COPY],
  ["undefined in arrays and objects", COPY],
  ["a sparse array", COPY],
  ["a long sparse array", COPY],
  ["a long array of objects", COPY],
  ["an array with a property beside its items", COPY],
  ["a cyclic object", {
    copy: true,
    verify: (back) => {
      const o = back as { self: unknown; list: unknown[] };
      assert.equal(o.self, o);
      assert.equal(o.list[0], o);
    },
  }],
  ["one object twice", {
    copy: true,
    verify: (back) => assert.equal((back as { a: unknown }).a, (back as { b: unknown }).b),
  }],
  ["a null-prototype object", { copy: true, plain: true }],
  ["Map and Set", COPY],
  ["dates", COPY],
  ["a RegExp", COPY],
  ["an ArrayBuffer", COPY],
  ["a resizable ArrayBuffer", {
    copy: true,
    verify: (back) => assert.equal((back as ArrayBuffer).maxByteLength, 16),
  }],
  ["typed arrays", COPY],
  ["a partial view", { copy: true, verify: sameView(16, 64) }],
  ["a DataView", { copy: true, verify: sameView(4, 12) }],
  ["two views of one buffer", {
    copy: true,
    verify: (back) => {
      const [first, second] = back as Uint8Array[];
      assert.equal(first.buffer, second.buffer);
      assert.equal(second.byteOffset, 8);
    },
  }],
  ["boxed primitives", COPY],
  ["errors of the built-in types, with causes", {
    copy: true,
    argumentOnly: true,
    verify: (back, sent) => {
      const errors = back as Error[];
      (sent as Error[]).forEach((error, index) => assert.equal(errors[index].stack, error.stack));
    },
  }],
  ["999 levels deep", {
    copy: true,
    deep: true,
    verify: (back) => assert.equal(depthOf(back), 999),
  }],
  ["an object held 2^17 ways", {
    copy: true,
    deep: true,
    verify: (back) => {
      let at = back as { a: unknown; b: unknown; leaf?: number };
      for (let level = 0; level < 17; level++) {
        assert.equal(at.a, at.b);
        at = at.a as typeof at;
      }
      assert.equal(at.leaf, 1);
    },
  }],
  ["a function", { path: ".callback", found: /it is a function; functions cannot cross/ }],
  ["a symbol", { path: "[1]", found: /it is a symbol;/ }],
  ["a class instance", { path: ".point", found: /an instance of class Point; pass plain data/ }],
  ["a Map subclass", { path: "", found: /an instance of class Dict;/ }],
  ["a typed array subclass", { path: "", found: /an instance of class Bytes;/ }],
  ["a Blob", { path: "", found: /it is a Blob; pass its bytes and type instead/ }],
  ["a File", { path: ".upload", found: /it is a File;/ }],
  ["a ReadableStream", {
    path: ".nested",
    found: /a ReadableStream; a stream crosses only as a whole argument/,
  }],
  ["a Promise", { path: ".later", found: /a Promise; await it first/ }],
  ["a WeakMap", { path: "", found: /a WeakMap;/ }],
  ["a Proxy", { path: ".p", found: /a Proxy;/ }],
  ["a SharedArrayBuffer", { path: "", found: /a SharedArrayBuffer/ }],
  ["a detached ArrayBuffer", { path: "", found: /a detached ArrayBuffer/ }],
  ["an Error subclass", { path: "", found: /an instance of class MyError; only Error, / }],
  ["an Error with a code", { path: "", found: /an Error with its own property "code"/ }],
  ["an Error with another name", { path: "", found: /an Error named "Custom"/ }],
  ["an AggregateError", { path: "", found: /an AggregateError;/ }],
  ["a DOMException", { path: "", found: /a DOMException;/ }],
  ["a URL", { path: "", found: /a URL;/ }],
  ["a boxed symbol", { path: "", found: /a Symbol;/ }],
  ["a function in a Map value", { path: '.get("k")', found: /a function/ }],
  ["a function as a Map key", { path: ".keys()[0]", found: /a function/ }],
  ["a class instance in a Set", { path: ".values()[1]", found: /class Point/ }],
  ["a function in an error's cause", { path: ".cause.retry", found: /a function/ }],
  ["a function beside an array's items", { path: ".f", found: /a function/ }],
  ["a function in a long sparse array", { path: "[500]", found: /a function/ }],
  ["a function under an odd key", { path: '["a b\\n"]', found: /a function/ }],
  ["1000 levels deep", {
    path: ".v".repeat(16) + "…(968 more)…" + ".v".repeat(16),
    found: /nested more than 1000 levels deep/,
  }],
  ["a function held 2^17 ways", { path: ".a".repeat(17) + ".f", found: /a function/ }],
  ["a getter that throws", { path: "", found: /a value whose getter threw a "RangeError"/ }],
];

/** A way to run the table: a tier, its load options, and whether calls carry a signal. */
interface Variant {
  name: string;
  load: LoadOptions;
  /** The inline tier's calls with a signal go through messages instead of the direct path. */
  signal?: boolean;
  /** Values arrive as copies (every tier but inline). */
  copies: boolean;
}

const VARIANTS: Variant[] = [
  { name: "inline tier, direct calls", load: { isolation: "inline" }, copies: false },
  {
    name: "inline tier, through messages",
    load: { isolation: "inline" },
    signal: true,
    copies: false,
  },
  { name: "process tier", load: { isolation: "process" }, copies: true },
  { name: "worker tier", load: { isolation: "worker" }, copies: true },
  {
    name: "worker tier, low-latency channel",
    load: { isolation: "worker", lowLatency: true },
    copies: true,
  },
];

/** What happened to one value one way, as compared across tiers. */
function outcome(result: PromiseSettledResult<unknown>): string {
  if (result.status === "fulfilled") return "arrived";
  const error = result.reason;
  return error instanceof ValidationError
    ? `ValidationError at ${error.path}: ${error.message}`
    : `${error?.name}: ${error?.message}`;
}

async function check(
  variant: Variant,
  p: Plugin,
  values: Record<string, () => unknown>,
  [name, expected]: [string, Expected],
  way: "argument" | "result" | "later result",
): Promise<string> {
  const options = variant.signal ? { signal: new AbortController().signal } : {};
  const sent = way === "argument" ? values[name]() : undefined;
  const settled = await Promise.allSettled([
    way === "argument"
      ? p.call("echo", [sent], options)
      : p.call(way === "result" ? "make" : "makeLater", [name], options),
  ]);
  const [result] = settled;
  const prefix = way === "argument" ? "args[0]" : "result";
  if ("path" in expected) {
    assert.equal(result.status, "rejected", `${name} (${way}) was not refused`);
    const error = (result as PromiseRejectedResult).reason;
    assert.ok(error instanceof ValidationError, `${name} (${way}): ${error}`);
    assert.equal(error.path, prefix + expected.path);
    const to = way === "argument" ? "plugin" : "host";
    assert.match(error.message, new RegExp(`: cannot be sent to the ${to}: it is `));
    assert.match(error.message, expected.found);
    return outcome(result);
  }
  assert.equal(result.status, "fulfilled", `${name} (${way}): ${outcome(result)}`);
  const back = (result as PromiseFulfilledResult<unknown>).value;
  if (!variant.copies && way === "argument") assert.equal(back, sent, "inline passes references");
  const original = sent ?? values[name]();
  const plain = expected.plain && variant.copies;
  if (!expected.deep) {
    assert.deepStrictEqual(back, plain ? { ...(original as object) } : original, name);
  }
  if (way === "argument" || !expected.argumentOnly) expected.verify?.(back, original);
  return outcome(result);
}

Deno.test("every tier carries the same values, or refuses them with the same ValidationError", async (t) => {
  await using fixture = await tempPlugin({}, PLUGIN, { "values.ts": VALUES_MODULE });
  const { VALUES, Point } = await import(pathToFileURL(join(fixture.dir, "values.ts")).href);
  const outcomes = new Map<string, string[]>();
  for (const variant of VARIANTS) {
    await t.step(variant.name, async (t) => {
      await using host = createHost({ isolation: variant.load.isolation });
      const p = await host.load(fixture.dir, variant.load);
      const seen: string[] = [];
      for (const row of TABLE) {
        await t.step(row[0], async () => {
          for (const way of ["argument", "result", "later result"] as const) {
            seen.push(`${row[0]} (${way}): ${await check(variant, p, VALUES, row, way)}`);
          }
        });
      }
      // Refusals leave the plugin usable, and name later arguments and values by their place.
      await assert.rejects(p.call("echoAll", [1, { x: () => 1 }]), (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        seen.push(`echoAll: ${error.path}: ${error.message}`);
        return error.path === "args[1].x";
      });
      const slot = p.lookup<unknown>("slot") as Variable<unknown>;
      await assert.rejects(slot.set({ list: [new Point(1, 2)] }), (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        seen.push(`slot: ${error.path}: ${error.message}`);
        return error.path === "value.list[0]";
      });
      assert.deepEqual(await p.call("echo", [{ still: "works" }]), { still: "works" });
      outcomes.set(variant.name, seen);
    });
  }
  const [first, ...others] = [...outcomes.entries()];
  for (const [name, seen] of others) {
    assert.deepEqual(seen, first[1], `${name} differs from ${first[0]}`);
  }
});

Deno.test("decodeMessage() gives views their own buffer and offset, as structured clone does", () => {
  const bytes = new Uint8Array(64).map((_, index) => index);
  const sent = [new Uint8Array(bytes.buffer, 16, 8), new Float64Array([1.5]), new Map([[1, 2]])];
  const frame = encodeMessage(sent);
  // The payload, as the process tier reads it into a buffer it then reuses.
  const payload = frame.subarray(FRAME_HEADER_BYTES);
  const [view, floats] = decodeMessage(payload) as [Uint8Array, Float64Array];
  payload.fill(0);
  assert.deepStrictEqual([view.byteOffset, view.buffer.byteLength], [16, 64]);
  assert.deepStrictEqual([...view], [16, 17, 18, 19, 20, 21, 22, 23]);
  assert.deepStrictEqual([floats.byteOffset, floats.buffer.byteLength, floats[0]], [0, 8, 1.5]);
});
