import assert from "node:assert/strict";
import * as codecNamespace from "../src/wire/compact_codec.ts";
import { CompactCodecError, encodeRecords } from "../src/wire/compact_codec.ts";
import { decodeRecords } from "../src/wire/compact_decode.ts";

/** Encodes into a roomy buffer and returns exactly the bytes written. */
function encode(values: readonly unknown[]): Uint8Array {
  const target = new Uint8Array(1 << 21);
  const end = encodeRecords(values, target, 0);
  assert.notEqual(end, -1, "encodeRecords() refused a value it should carry");
  return target.slice(0, end);
}

/** Own enumerable keys at every level, in order: deepStrictEqual ignores key order. */
function shape(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return typeof value;
  return Object.keys(value).map((key) => [key, shape((value as Record<string, unknown>)[key])]);
}

function assertSameAsClone(value: unknown): void {
  const expected = structuredClone([value]);
  const actual = decodeRecords(encode([value]));
  assert.deepStrictEqual(actual, expected); // SameValue for -0 and NaN, checks prototypes
  assert.deepStrictEqual(shape(actual), shape(expected));
}

function nest(depth: number): unknown {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { inner: value };
  return value;
}

const twentyFields = Object.fromEntries(
  Array.from({ length: 20 }, (_, i) => [`field${i}`, i % 3 === 0 ? `value ${i}` : i * 1.5]),
);

const carried: [string, unknown][] = [
  ["undefined", undefined],
  ["null", null],
  ["true", true],
  ["false", false],
  ["0", 0],
  ["-0", -0],
  ["127 (largest one-byte integer)", 127],
  ["128", 128],
  ["-1", -1],
  ["int32 max", 2 ** 31 - 1],
  ["int32 min", -(2 ** 31)],
  ["2 ** 31", 2 ** 31],
  ["-(2 ** 31) - 1", -(2 ** 31) - 1],
  ["MAX_SAFE_INTEGER", Number.MAX_SAFE_INTEGER],
  ["MIN_VALUE", Number.MIN_VALUE],
  ["MAX_VALUE", Number.MAX_VALUE],
  ["NaN", NaN],
  ["Infinity", Infinity],
  ["-Infinity", -Infinity],
  ["0.1", 0.1],
  ["empty string", ""],
  ["ASCII", "add"],
  ["32 ASCII chars", "a".repeat(32)],
  ["33 ASCII chars", "a".repeat(33)],
  ["long ASCII", "x".repeat(100_000)],
  ["NUL", "\0"],
  ["Latin-1", "héllo \u0080\u00ff"],
  ["CJK", "日本語のテキスト"],
  ["astral", "😀 and 𝄞"],
  ["leading BOM", "\uFEFFbom"],
  ["long non-ASCII", "é日😀".repeat(20_000)],
  ["lone high surrogate", "\uD800"],
  ["lone low surrogate mid-string", "a\uDC00b"],
  ["half an emoji", "😀".slice(0, 1)],
  ["long ill-formed", "ab\uD800".repeat(1000)],
  ["bigint 0", 0n],
  ["bigint -1", -1n],
  ["bigint 2 ** 200", 2n ** 200n],
  ["bigint -(2 ** 64)", -(2n ** 64n)],
  ["empty array", []],
  ["nested arrays", [1, [2, [3, []]], "x"]],
  ["empty object", {}],
  ["object", { a: 1, b: "two", c: [true, null], d: { e: undefined } }],
  ["integer-like keys (reordered by the engine)", { b: 1, 2: "x", 1: "y", a: 2 }],
  ["non-ASCII keys", { "日本": 1, "\uD800": 2 }],
  ["Object.prototype names as keys", { constructor: 1, toString: 2, hasOwnProperty: 3 }],
  ["null-prototype object", Object.assign(Object.create(null), { a: 1, b: [2] })],
  ["getter (read like structured clone reads it)", {
    get computed() {
      return 42;
    },
  }],
  [
    "non-enumerable and symbol keys (dropped like structured clone drops them)",
    Object
      .defineProperties({ kept: 1, [Symbol("s")]: 2 }, { hidden: { value: 3, enumerable: false } }),
  ],
  ["20-field object", twentyFields],
  ["same string twice", ["same", "same"]],
  [
    "20 distinct objects (past the list, into the Set)",
    Array.from({ length: 20 }, (_, i) => ({ i })),
  ],
  ["64 levels of nesting", nest(64)],
];

const refused: [string, () => unknown][] = [
  ["symbol", () => Symbol("s")],
  ["function", () => () => 1],
  ["Map", () => new Map([[1, 2]])],
  ["Set", () => new Set([1])],
  ["Date", () => new Date(0)],
  ["RegExp", () => /x/],
  ["Uint8Array", () => new Uint8Array(2)],
  ["ArrayBuffer", () => new ArrayBuffer(2)],
  ["Error", () => new Error("x")],
  ["boxed number", () => new Number(1)],
  ["class instance", () =>
    new (class Point {
      x = 1;
    })()],
  ["WeakMap", () => new WeakMap()],
  ["Promise", () => Promise.resolve(1)],
  ["proxy of an object", () => new Proxy({ a: 1 }, {})],
  ["proxy of an array", () => new Proxy([1], {})],
  ["module namespace", () => codecNamespace],
  ["arguments object", function () {
    return arguments;
  }],
  ["Map with a null prototype", () => Object.setPrototypeOf(new Map([[1, 2]]), null)],
  ["Map with Object.prototype", () => Object.setPrototypeOf(new Map(), Object.prototype)],
  [
    "ArrayBuffer with Object.prototype",
    () => Object.setPrototypeOf(new ArrayBuffer(1), Object.prototype),
  ],
  ["Date with Object.prototype", () => Object.setPrototypeOf(new Date(0), Object.prototype)],
  ["array with Object.prototype", () => Object.setPrototypeOf([1], Object.prototype)],
  ["non-array with Array.prototype", () => Object.create(Array.prototype)],
  ["array subclass", () => new (class List extends Array {})()],
  ["holey array", () => [1, , 3]],
  ["array with an extra property", () => Object.assign([1, 2], { extra: 1 })],
  [
    "holey array with an extra property (key count matches)",
    () => Object.assign([1, , 3], { x: 1 }),
  ],
  ["shared object", () => {
    const shared = { a: 1 };
    return { left: shared, right: shared };
  }],
  ["shared array", () => {
    const shared = [1];
    return [shared, shared];
  }],
  ["cycle", () => {
    const self: Record<string, unknown> = {};
    self.self = self;
    return self;
  }],
  ["object repeated after 20 distinct ones (Set path)", () => {
    const items: object[] = Array.from({ length: 20 }, (_, i) => ({ i }));
    return [...items, items[3]];
  }],
  ["65 levels of nesting", () => nest(65)],
  ["symbol deep inside", () => ({ a: [{ b: Symbol("s") }] })],
  ["throwing getter", () => ({
    get boom() {
      throw new Error("boom");
    },
  })],
  ["throwing getPrototypeOf trap", () =>
    new Proxy({}, {
      getPrototypeOf() {
        throw new Error("trap");
      },
    })],
];

Deno.test("decodeRecords(encodeRecords(x)) equals structuredClone(x)", async (t) => {
  for (const [name, value] of carried) {
    await t.step(name, () => assertSameAsClone(value));
  }
});

Deno.test("decodeRecords() round-trips call and reply records", () => {
  const batch = [0, 17, "add", 2, 1, 2, 0, 18, "greet", 1, { name: "Ada" }, 4, 19];
  assert.deepStrictEqual(decodeRecords(encode(batch)), structuredClone(batch));
  assert.equal(encode([0, 17, "add", 2, 1, 2]).length, 11); // count, 5 ints, tag + length + 3
  assert.equal(encode([0, 17, 3]).length, 4);
  assert.deepStrictEqual(decodeRecords(encode([])), []);
});

Deno.test("decodeRecords() keeps __proto__ as an own data property, not a prototype", async (t) => {
  const check = () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "after": 1}');
    const [decoded] = decodeRecords(encode([value])) as [Record<string, unknown>];
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
    assert.ok(Object.hasOwn(decoded, "__proto__"));
    assert.deepStrictEqual(Object.keys(decoded), ["__proto__", "after"]);
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(decoded, "__proto__")?.value, {
      polluted: true,
    });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(decoded.polluted, undefined);
  };
  await t.step("as Deno runs by default", check);
  // Deno's Object.prototype.__proto__ setter defines an own property instead of
  // setting the prototype; swap in the standard one (as --unstable-unsafe-proto
  // gives) so that a plain assignment in the decoder would be caught.
  await t.step("with the standard __proto__ setter", () => {
    const original = Object.getOwnPropertyDescriptor(Object.prototype, "__proto__");
    Object.defineProperty(Object.prototype, "__proto__", {
      get(this: object) {
        return Object.getPrototypeOf(this);
      },
      set(this: object, proto: object | null) {
        Object.setPrototypeOf(this, proto);
      },
      configurable: true,
    });
    try {
      const probe: Record<string, unknown> = {};
      probe[String("__proto__")] = { viaSetter: true };
      assert.equal(probe.viaSetter, true, "the swapped-in setter sets prototypes");
      check();
    } finally {
      if (original) Object.defineProperty(Object.prototype, "__proto__", original);
      else delete (Object.prototype as Record<string, unknown>).__proto__;
    }
  });
});

Deno.test("encodeRecords() returns -1 for what it does not carry exactly", async (t) => {
  for (const [name, make] of refused) {
    await t.step(name, () => {
      const target = new Uint8Array(1024);
      assert.equal(encodeRecords([0, 1, make()], target, 0), -1);
      // The module state is clean afterwards: a good batch still encodes.
      assert.deepStrictEqual(decodeRecords(encode([{ a: [1] }])), [{ a: [1] }]);
    });
  }
});

Deno.test("encodeRecords() returns -1 for bad arguments instead of throwing", () => {
  const target = new Uint8Array(16);
  assert.equal(encodeRecords([1], target, -1), -1);
  assert.equal(encodeRecords([1], target, 17), -1);
  assert.equal(encodeRecords([1], target, NaN), -1);
  assert.equal(encodeRecords([1], target, 1.5), -1);
  assert.equal(encodeRecords("nope" as unknown as unknown[], target, 0), -1);
  assert.equal(encodeRecords([1], [0, 0] as unknown as Uint8Array, 0), -1);
  assert.equal(encodeRecords([1], target, 16), -1); // no room at all
});

Deno.test("encodeRecords() refuses a getter that re-enters it, and stays usable", () => {
  let inner = 0;
  const value = {
    get reenter() {
      inner = encodeRecords([1], new Uint8Array(8), 0);
      return "ok";
    },
  };
  const target = new Uint8Array(64);
  const end = encodeRecords([value], target, 0);
  assert.equal(inner, -1);
  assert.deepStrictEqual(decodeRecords(target.slice(0, end)), [{ reenter: "ok" }]);
});

Deno.test("encodeRecords() returns -1 for every target one byte too small or smaller", () => {
  const batches = [
    [0, 17, "add", 2, 1, 2],
    [0, 17, 3],
    [-5, 1e300, -0, 2n ** 70n, "日本😀", "\uD800x", twentyFields, [[[]]], null, true],
  ];
  for (const batch of batches) {
    const full = encode(batch).length;
    for (let size = 0; size < full; size++) {
      assert.equal(encodeRecords(batch, new Uint8Array(size), 0), -1, `size ${size} of ${full}`);
      assert.equal(encodeRecords(batch, new Uint8Array(size + 3), 3), -1, `offset 3, ${size}`);
    }
    assert.equal(encodeRecords(batch, new Uint8Array(full), 0), full);
  }
});

Deno.test("encodeRecords() writes from the offset into a SharedArrayBuffer", () => {
  const batch = [0, 17, "add", 2, "日本語".repeat(50), { "é": [1.5, "\uDC00"] }];
  const shared = new Uint8Array(new SharedArrayBuffer(4096));
  shared.fill(0xee);
  const end = encodeRecords(batch, shared, 100);
  assert.ok(end > 100);
  assert.equal(shared[99], 0xee);
  assert.equal(shared[end], 0xee);
  assert.deepStrictEqual(decodeRecords(shared.slice(100, end)), structuredClone(batch));
});

/** A small seeded PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Decodes `bytes`; returns the values or the thrown error, failing on any other error class. */
function decodeOrError(bytes: Uint8Array, label: string): unknown[] | CompactCodecError {
  try {
    return decodeRecords(bytes);
  } catch (error) {
    assert.ok(error instanceof CompactCodecError, `${label}: threw ${error}`);
    return error;
  }
}

function assertRejects(bytes: number[] | Uint8Array, label: string): void {
  const result = decodeOrError(Uint8Array.from(bytes), label);
  assert.ok(result instanceof CompactCodecError, `${label}: decoded to ${Deno.inspect(result)}`);
  assert.match(result.message, /^Cannot decode records: /);
}

const sample = [0, 17, "add", 2, -9, 1.25, "日本", "\uD800", 3n, [null, true], { k: undefined }];

Deno.test("decodeRecords() throws CompactCodecError for every truncation", () => {
  const bytes = encode(sample);
  for (let n = 0; n < bytes.length; n++) assertRejects(bytes.subarray(0, n), `first ${n} bytes`);
});

Deno.test("decodeRecords() throws CompactCodecError for malformed input", async (t) => {
  const table: [string, number[]][] = [
    ["empty", []],
    ["trailing byte", [1, 5, 0]],
    ["varint over 32 bits", [1, 0x84, 0xff, 0xff, 0xff, 0xff, 0x1f]],
    ["varint over 5 bytes", [0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ["top-level count past the end", [0xff, 0xff, 0xff, 0xff, 0x0f]],
    ["array length past the end", [1, 0x88, 0xff, 0xff, 0xff, 0xff, 0x0f]],
    ["object count past the end", [1, 0x89, 3, 0x86, 1, 0x61, 1]],
    ["string length past the end", [1, 0x86, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x61]],
    ["UTF-16 length past the end", [1, 0x87, 2, 0x61, 0, 0x62]],
    ["bigint length past the end", [1, 0x8a, 0x80, 0x80, 0x01]],
    ["float cut short", [1, 0x85, 0, 0, 0, 0]],
    ["invalid UTF-8", [1, 0x86, 2, 0xc3, 0x28]],
    ["invalid long UTF-8", [1, 0x86, 40, ...new Array(39).fill(0x61), 0xff]],
    ["non-string key", [1, 0x89, 1, 0x05, 0x01]],
    ["empty bigint", [1, 0x8a, 0]],
    ["uppercase bigint digit", [1, 0x8a, 1, 0x41]],
    ["65 nested arrays", [1, ...new Array(65).fill([0x88, 1]).flat(), 0x80]],
    ["nesting bomb", [1, ...new Array(100_000).fill([0x88, 1]).flat(), 0x80]],
    ["object nesting bomb", [1, ...new Array(50_000).fill([0x89, 1, 0x86, 0]).flat(), 0x80]],
  ];
  for (const [name, bytes] of table) await t.step(name, () => assertRejects(bytes, name));
  await t.step("every unknown tag", () => {
    for (let tag = 0x8c; tag <= 0xff; tag++) assertRejects([1, tag], `tag 0x${tag.toString(16)}`);
  });
  await t.step("not a Uint8Array", () => {
    assert.throws(() => decodeRecords([1, 1] as unknown as Uint8Array), CompactCodecError);
  });
});

Deno.test("decodeRecords() accepts exactly 64 levels of nesting", () => {
  const bytes = [1, ...new Array(64).fill([0x88, 1]).flat(), 0x80];
  let value = decodeRecords(Uint8Array.from(bytes))[0];
  for (let i = 0; i < 64; i++) value = (value as unknown[])[0];
  assert.equal(value, undefined);
});

Deno.test("decodeRecords() survives random and mutated bytes quickly", () => {
  const random = prng(0x5eed);
  const valid = encode(sample);
  const started = performance.now();
  let decoded = 0;
  for (let round = 0; round < 20_000; round++) {
    let bytes: Uint8Array;
    if (round % 2 === 0) {
      bytes = new Uint8Array(Math.floor(random() * 64));
      for (let i = 0; i < bytes.length; i++) bytes[i] = random() * 256;
    } else {
      bytes = valid.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) bytes[Math.floor(random() * bytes.length)] = random() * 256;
    }
    const result = decodeOrError(bytes, `round ${round}`);
    if (Array.isArray(result)) decoded++;
  }
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 3000, `20,000 hostile decodes took ${elapsed.toFixed(0)} ms`);
  // Some mutations land on a still-valid encoding; all others threw the right class.
  assert.ok(decoded < 20_000);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false);
});

Deno.test("decodeRecords() rejects huge declared lengths without allocating them", () => {
  const started = performance.now();
  for (const tag of [0x86, 0x87, 0x88, 0x89, 0x8a]) {
    assertRejects([1, tag, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0], `tag 0x${tag.toString(16)}`);
  }
  assert.ok(performance.now() - started < 100);
});
