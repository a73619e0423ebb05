/**
 * The low-latency channel (`load(dir, { lowLatency: true })`): the same
 * answers, order, deadlines and crashes as the message path; values the
 * channel cannot carry exactly fall back to messages; an idle channel burns
 * no CPU; tiers that cannot share memory say so. The whole conformance table
 * also runs over it (tests/conformance_test.ts).
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createHost,
  type HostEventDetail,
  PluginCallError,
  PluginCrashedError,
  PluginLoadError,
  PluginTimeoutError,
} from "@sandplug/host";
import { CompactCodecError } from "../src/wire/compact_codec.ts";
import { ChannelEnd, createChannelBuffer } from "../src/wire/shared_channel.ts";
import { tempPlugin } from "./_helpers.ts";

const PLUGIN = `
import { callSignal, variable } from "@sandplug/host/plugin";

export const total = variable(0);
export function add(a: number, b: number): number { return a + b; }
export function next(): number { total.value += 1; return total.value; }
export async function later<T>(value: T): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, 2));
  return value;
}
export function echo<T>(value: T): T { return value; }
export function fail(): never { throw new RangeError("out of range"); }
export async function hang(): Promise<never> { await new Promise(() => {}); throw new Error("unreachable"); }
export async function watch(): Promise<string> {
  const signal = callSignal();
  await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
  total.value = -1;
  return "aborted";
}
export function exit(): void { Deno.exit(3); }
export function spin(): never { for (;;) {} }
`;

async function lowLatencyPlugin(name = "chatty") {
  const folder = await tempPlugin({ name }, PLUGIN);
  const host = createHost({ isolation: "worker", log: () => {} });
  const p = await host.load(folder.dir, { lowLatency: true });
  return {
    host,
    p,
    async [Symbol.asyncDispose]() {
      await host.close();
      await folder[Symbol.asyncDispose]();
    },
  };
}

Deno.test("low-latency channel: calls, reads, writes and errors answer as on the message path", async () => {
  await using fixture = await lowLatencyPlugin();
  const { p } = fixture;
  assert.equal(p.lowLatency, true);
  for (let i = 0; i < 1_000; i++) assert.equal(await p.call("add", [i, 1]), i + 1);
  const total = p.lookup<number>("total");
  assert.equal(await total.get(), 0);
  await total.set(41);
  assert.equal(await p.call("next"), 42);
  assert.equal(await total.get(), 42);
  await assert.rejects(p.call("fail"), (error: unknown) => {
    assert.ok(error instanceof PluginCallError);
    assert.equal(error.remoteName, "RangeError");
    assert.match(error.message, /out of range/);
    return true;
  });
});

Deno.test("low-latency channel: values it cannot carry exactly cross as messages, unchanged", async () => {
  await using fixture = await lowLatencyPlugin();
  const echo = fixture.p.lookup<<T>(value: T) => T>("echo");
  const shared = { n: 1 };
  const values: unknown[] = [
    { nested: { list: [1, "two", null, undefined, true, -0, NaN, Infinity] }, "ü€𝄞": "ok" },
    new Map([["k", new Uint8Array([1, 2, 3])]]),
    new Set([1, 2]),
    new Date(0),
    123n,
    "lone \ud800 surrogate",
    "x".repeat(200_000),
    [shared, shared],
    Object.assign([1, 2], { extra: "kept" }),
  ];
  for (const value of values) {
    assert.deepEqual(await echo(value), structuredClone(value));
  }
  const [a, b] = await echo([shared, shared]) as [object, object];
  assert.equal(a, b, "a value met twice stays one object, as structured clone keeps it");
});

Deno.test("low-latency channel: batches run in the order the host sent them, across both paths", async () => {
  await using fixture = await lowLatencyPlugin();
  const { p } = fixture;
  const counted: Promise<unknown>[] = [];
  const others: Promise<unknown>[] = [];
  for (let i = 0; i < 300; i++) {
    counted.push(p.call("next"));
    // A Map cannot cross the channel, so these ticks' batches go as messages, between channel batches.
    if (i % 7 === 0) others.push(p.call("echo", [new Map([[i, i]])]));
    if (i % 11 === 0) others.push(p.call("later", [i]));
    if (i % 3 === 0) await null; // ends this tick's batch
  }
  assert.deepEqual(await Promise.all(counted), Array.from({ length: 300 }, (_, i) => i + 1));
  assert.equal((await Promise.all(others)).length, others.length);
});

Deno.test("low-latency channel: async code, deadlines, aborts and crashes settle every call", async () => {
  await using fixture = await lowLatencyPlugin();
  const { p } = fixture;
  assert.equal(await p.call("later", ["x"]), "x");
  await assert.rejects(p.call("hang", [], { timeoutMs: 100 }), PluginTimeoutError);
  const controller = new AbortController();
  const watching = p.call("watch", [], { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("caller gave up")), 20);
  await assert.rejects(watching, /caller gave up/);
  // The cancel reached plugin code, which marked it.
  for (let i = 0; i < 100 && await p.lookup<number>("total").get() !== -1; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(await p.lookup<number>("total").get(), -1);
  const pending = p.call("later", [1]);
  await assert.rejects(p.call("exit"), PluginCrashedError);
  await assert.rejects(pending, PluginCrashedError);
});

/** Loads the plugin over the channel in a child host, calls it, then reports the CPU it used while idle. */
const IDLE_PROBE = `
import process from "node:process";
import { createHost } from "@sandplug/host";
const host = createHost({ isolation: "worker", log: () => {} });
const p = await host.load(Deno.args[0], { lowLatency: true });
for (let i = 0; i < 2_000; i++) await p.call("add", [i, 1]);
await new Promise((resolve) => setTimeout(resolve, 50));
const before = process.cpuUsage();
const started = performance.now();
await new Promise((resolve) => setTimeout(resolve, 500));
const elapsedMs = performance.now() - started;
const used = process.cpuUsage(before);
console.log(JSON.stringify({ lowLatency: p.lowLatency, elapsedMs, cpuMs: (used.user + used.system) / 1000 }));
await host.close();
`;

Deno.test("low-latency channel: an idle plugin costs no CPU", async () => {
  await using folder = await tempPlugin({ name: "idle" }, PLUGIN, { "probe.ts": IDLE_PROBE });
  // A process of its own, so that no other test's work counts as the plugin's.
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-prompt",
      `--config=${fileURLToPath(new URL("../deno.json", import.meta.url))}`,
      join(folder.dir, "probe.ts"),
      folder.dir,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  const { lowLatency, elapsedMs, cpuMs } = JSON.parse(new TextDecoder().decode(output.stdout));
  assert.equal(lowLatency, true);
  // A thread left spinning would use about as much CPU time as wall time passed.
  assert.ok(
    cpuMs < elapsedMs / 4,
    `the idle host and plugin used ${cpuMs.toFixed(0)} ms of CPU in ${elapsedMs.toFixed(0)} ms`,
  );
});

Deno.test("low-latency channel: the process tier refuses it, naming the fix; inline ignores it", async () => {
  await using folder = await tempPlugin({ name: "chatty" }, PLUGIN);
  await using host = createHost({ log: () => {} });
  await assert.rejects(
    host.load(folder.dir, { isolation: "process", lowLatency: true }),
    (error: unknown) => {
      assert.ok(error instanceof PluginLoadError);
      assert.match(error.message, /lowLatency/);
      assert.match(error.message, /isolation: "worker"/);
      return true;
    },
  );
  const inline = await host.load(folder.dir, { isolation: "inline", lowLatency: true });
  assert.equal(await inline.call("add", [1, 2]), 3);
  assert.equal(inline.lowLatency, false, "inline calls are direct: there is no channel");
  const worker = await host.load(folder.dir, { isolation: "worker" });
  assert.equal(worker.lowLatency, false, "the channel is opt-in");
});

Deno.test("ChannelEnd: one batch at a time each way, woken only when the peer is not watching", () => {
  const buffer = createChannelBuffer(1024);
  const host = new ChannelEnd(buffer, "host");
  const plugin = new ChannelEnd(buffer, "plugin");
  assert.equal(host.send([0, 1, "add", 2, 1, 2], 1), "wake");
  assert.equal(host.send([0, 2, "add", 2, 1, 2], 2), "no", "the slot is taken until received");
  assert.equal(plugin.pending, true);
  assert.deepEqual(plugin.receive(), { records: [0, 1, "add", 2, 1, 2], order: 1 });
  assert.equal(plugin.receive(), undefined);
  host.watching(true);
  assert.equal(plugin.send([0, 1, 3]), "yes");
  assert.equal(host.watching(false), true, "a batch that arrived while watching is reported");
  assert.deepEqual(host.receive()?.records, [0, 1, 3]);
  assert.equal(host.send([0, 3, "echo", 1, new Map()], 2), "no", "a Map is not carried");
  assert.equal(host.send([0, 3, "echo", 1, "x".repeat(2_000)], 2), "no", "too large for the slot");
  assert.throws(() => new ChannelEnd(new SharedArrayBuffer(16), "host"), RangeError);
});

Deno.test("ChannelEnd: malformed bytes from the peer throw instead of being trusted", () => {
  const buffer = createChannelBuffer(1024);
  const host = new ChannelEnd(buffer, "host");
  const header = new Int32Array(buffer, 0, 16);
  // A hostile runtime announces more bytes than the slot holds.
  Atomics.store(header, 6, 1_000_000);
  Atomics.store(header, 4, 1);
  assert.throws(() => host.receive(), RangeError);
  // Then garbage of a plausible length.
  new Uint8Array(buffer, 64 + 1024, 1024).fill(0xff);
  Atomics.store(header, 6, 32);
  Atomics.store(header, 4, 2);
  assert.throws(() => host.receive(), CompactCodecError);
});

// Last in the file: the stuck worker thread keeps spinning until the test process exits
// (terminate() cannot stop a busy loop on Deno 2.9; SECURITY.md).
Deno.test("low-latency channel: a plugin that stops yielding is ended; the host stays responsive", async () => {
  await using folder = await tempPlugin({ name: "stuck" }, PLUGIN);
  await using host = createHost({ isolation: "worker", log: () => {} });
  const crashed = new Promise<HostEventDetail>((resolve) => {
    host.addEventListener(
      "crash",
      (event) => resolve((event as CustomEvent<HostEventDetail>).detail),
    );
  });
  const p = await host.load(folder.dir, { lowLatency: true });
  assert.equal(await p.call("add", [1, 2]), 3);
  await assert.rejects(p.call("spin", [], { timeoutMs: 200 }), PluginTimeoutError);
  const detail = await crashed;
  assert.ok(detail.error instanceof PluginCrashedError);
  assert.match(
    detail.error.reason,
    /^it did not yield: it answered no ping within 500 ms after "spin" passed its 200 ms deadline \(\d+ ms after that call was made\), so it was ended as stuck$/,
  );
  await assert.rejects(p.call("add", [1, 2]), PluginCrashedError);
});
