import assert from "node:assert/strict";
import { createHost, type IsolationName, transfer } from "@sandplug/host";
import { copyOnce } from "../src/wire/copy_once.ts";
import { tempPlugin } from "./_helpers.ts";

const ECHO = `
import { transfer } from "@sandplug/host/plugin";
export function echo(buffer: ArrayBuffer): ArrayBuffer { return buffer; }
export function echoMoved(buffer: ArrayBuffer): ArrayBuffer { return transfer(buffer, [buffer]); }
export function size(buffer: ArrayBuffer): number { return buffer.byteLength; }
`;

for (const tier of ["worker", "process", "inline"] as IsolationName[]) {
  Deno.test(`transfer() moves buffers to the plugin and back where the tier can (${tier} tier)`, async () => {
    await using fixture = await tempPlugin({}, ECHO);
    await using host = createHost({ isolation: tier });
    const p = await host.load(fixture.dir);

    const copied = new ArrayBuffer(1024);
    assert.equal(await p.call("size", [copied]), 1024);
    assert.equal(copied.byteLength, 1024, "without transfer() the host keeps its buffer");

    const moved = new ArrayBuffer(2048);
    assert.equal(await p.call("size", [transfer(moved, [moved])]), 2048);
    // Only the worker tier can move memory; a process gets a copy, and inline passes a reference.
    assert.equal(moved.byteLength, tier === "worker" ? 0 : 2048);

    const back = await p.call("echoMoved", [new ArrayBuffer(4096)]) as ArrayBuffer;
    assert.equal(back.byteLength, 4096);
  });
}

Deno.test("transfer() rejects a value that is not an object", () => {
  assert.throws(
    () => transfer(42 as unknown as object, []),
    /it must be an object; current value is 42/,
  );
  assert.throws(() => transfer({}, "x" as unknown as Transferable[]), /as a list, e.g. \[buffer\]/);
});

const KEEPER = `
const kept = new Uint8Array(256 * 1024).fill(9);
export function keep(): Uint8Array { return kept; }
export function keptLength(): number { return kept.byteLength; }
export function sum(bytes: Uint8Array): number { return bytes.reduce((a, b) => a + b, 0); }
export function view(buffer: ArrayBuffer): Uint8Array { return new Uint8Array(buffer, 16, 32); }
`;

Deno.test("large buffers are copied once and moved, with the same values as a clone (worker tier)", async () => {
  await using fixture = await tempPlugin({}, KEEPER);
  await using host = createHost({ isolation: "worker" });
  const p = await host.load(fixture.dir);
  const bytes = new Uint8Array(1024 * 1024).fill(1);
  assert.equal(await p.call("sum", [bytes]), 1024 * 1024);
  assert.equal(bytes.byteLength, 1024 * 1024, "the caller keeps its buffer");
  bytes[0] = 2; // and can still write it
  for (let round = 0; round < 2; round++) {
    const kept = await p.call("keep") as Uint8Array;
    assert.ok(kept instanceof Uint8Array);
    assert.equal(kept.byteLength, 256 * 1024);
    assert.equal(kept[0], 9);
  }
  assert.equal(await p.call("keptLength"), 256 * 1024, "the plugin keeps the buffer it returned");
  // A partial view keeps its whole buffer and offset, as structured clone keeps them.
  const partial = await p.call("view", [new ArrayBuffer(128 * 1024)]) as Uint8Array;
  assert.equal(partial.byteOffset, 16);
  assert.equal(partial.byteLength, 32);
  assert.equal(partial.buffer.byteLength, 128 * 1024);
});

Deno.test("copyOnce() copies only what a copy reproduces exactly", () => {
  const big = 128 * 1024;
  const buffer = new Uint8Array(big).fill(3).buffer;
  const copied = copyOnce(buffer);
  assert.ok(copied !== undefined && copied.value !== buffer && copied.transfer === copied.value);
  assert.deepEqual(new Uint8Array(copied.value as ArrayBuffer), new Uint8Array(buffer));
  const whole = copyOnce(new Uint8Array(big));
  assert.ok(whole?.value instanceof Uint8Array && whole.transfer === whole.value.buffer);
  class Tagged extends Uint8Array {}
  for (
    const [what, value] of [
      ["a small buffer", new ArrayBuffer(1024)],
      ["a resizable buffer", new ArrayBuffer(big, { maxByteLength: 2 * big })],
      ["a partial view", new Uint8Array(new ArrayBuffer(big), 8)],
      ["a subclass", new Tagged(big)],
      ["another typed array", new Float64Array(big)],
      ["a plain object", { buffer }],
    ] as const
  ) {
    assert.equal(copyOnce(value), undefined, what);
  }
});
