import assert from "node:assert/strict";
import { createHost, type IsolationName, transfer } from "@sandplug/host";
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
