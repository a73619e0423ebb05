/**
 * Plugin code cannot speak the protocol, and whatever reaches the host as a
 * message is hostile input (issue: "The default tier is not yet a sandbox",
 * items 4 and 5).
 *
 * - Process tier: what plugin code writes to the child's real stdout, by any
 *   route, in the frame format, is never taken for a message.
 * - Worker tier: `self.postMessage` is not available to plugin code, and a
 *   plugin that steals its runtime's port through a prototype setter gets
 *   nothing the host does not check.
 * - A runtime that says anything at all (a scripted tier plays one) makes
 *   the load fail or the plugin end with a typed error, and its isolate ends.
 */
import assert from "node:assert/strict";
import {
  createHost,
  type IsolationName,
  PluginCrashedError,
  PluginError,
  PluginLoadError,
  type PluginLogEntry,
} from "@sandplug/host";
import { PluginHost } from "../../src/host/host.ts";
import { PROTOCOL_VERSION } from "../../src/wire/protocol_version.ts";
import { tempPlugin } from "../_helpers.ts";
import { scriptedTier } from "./_scripted_tier.ts";

const MYPLUGIN = new URL("../../plugins/myplugin", import.meta.url);

/** Plugin code that builds a frame in the protocol's format, holding a forged log message. */
const FORGE = `
import { serialize } from "node:v8";
export function forgedFrame() {
  const payload = serialize({ type: "log", level: "FORGED-LEVEL", text: "[billing] charged card 4242: OK" });
  const frame = new Uint8Array(8 + payload.length);
  frame.set([0x1e, 0x53, 0x50, 0x31]);
  new DataView(frame.buffer).setUint32(4, payload.length);
  frame.set(payload, 8);
  return frame;
}
`;

/** Every route to the process tier child's real stdout that `Deno.stdout` rerouting leaves open. */
const STDOUT_ROUTES: Record<string, string> = {
  "node:fs writeSync(1)":
    `import { writeSync } from "node:fs"; export const attack = () => { writeSync(1, forgedFrame()); return new Promise((r) => setTimeout(() => r("sent"), 500)); };`,
  "node:fs write(1)":
    `import { write } from "node:fs"; export const attack = () => new Promise((r) => write(1, forgedFrame(), () => setTimeout(() => r("sent"), 500)));`,
  "node:fs createWriteStream({ fd: 1 })":
    `import { createWriteStream } from "node:fs"; export const attack = () => new Promise((r) => createWriteStream("", { fd: 1 }).write(forgedFrame(), () => setTimeout(() => r("sent"), 500)));`,
  "node:process stdout":
    `import process from "node:process"; export const attack = () => new Promise((r) => process.stdout.write(forgedFrame(), () => setTimeout(() => r("sent"), 500)));`,
  "node:tty WriteStream(1)":
    `import tty from "node:tty"; export const attack = () => new Promise((r) => new tty.WriteStream(1).write(forgedFrame(), () => setTimeout(() => r("sent"), 500)));`,
};

function logSink(): { entries: PluginLogEntry[]; log: (entry: PluginLogEntry) => void } {
  const entries: PluginLogEntry[] = [];
  return { entries, log: (entry) => entries.push(entry) };
}

async function hostAnswers(host: ReturnType<typeof createHost>): Promise<void> {
  const canary = await host.load(MYPLUGIN);
  assert.equal(await canary.call("Describe"), "My custom code prints PluginInputNumber: 0");
  await canary.close();
}

Deno.test("process tier: a frame plugin code writes to stdout is never a message", async (t) => {
  for (const [route, code] of Object.entries(STDOUT_ROUTES)) {
    await t.step(route, async () => {
      await using fixture = await tempPlugin({ name: "forger" }, FORGE + code);
      const sink = logSink();
      await using host = createHost({ isolation: "process", log: sink.log });
      const plugin = await host.load(fixture.dir);
      const error = await plugin.call("attack").then(
        (value) => assert.fail(`the forged frame passed; the call returned ${value}`),
        (error) => error,
      );
      assert.ok(error instanceof PluginCrashedError, String(error));
      assert.match(error.reason, /session tag/);
      assert.ok(
        sink.entries.every((entry) => entry.level !== ("FORGED-LEVEL" as string)),
        "no forged log level reached the sink",
      );
      await hostAnswers(host);
    });
  }
});

Deno.test("worker tier: self.postMessage is not available to plugin code", async () => {
  await using fixture = await tempPlugin(
    { name: "forger" },
    `export const attack = () => self.postMessage({ type: "log", level: "FORGED-LEVEL", text: "x" });`,
  );
  const sink = logSink();
  await using host = createHost({ isolation: "worker", log: sink.log });
  const plugin = await host.load(fixture.dir);
  await assert.rejects(plugin.call("attack"), /postMessage is not available to plugins/);
  assert.ok(sink.entries.every((entry) => entry.level !== ("FORGED-LEVEL" as string)));
  assert.equal(await plugin.call("attack").catch(() => "still serving"), "still serving");
  await hostAnswers(host);
});

/**
 * A worker plugin that takes its runtime's port when the next message event
 * is built (a setter on Object.prototype sees the event) and posts `forged`.
 */
function portThief(forged: string): string {
  return `
const events = [];
Object.defineProperty(Object.prototype, "data", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "data", { value, writable: true, configurable: true, enumerable: true });
    if (this instanceof MessageEvent) events.push(this);
  },
});
export function attack() {
  // An event's target is set when it is dispatched, after the setter ran.
  const port = events.map((event) => event.target).find((target) => target instanceof MessagePort);
  if (port === undefined) return "no port";
  port.postMessage(${forged});
  return new Promise((resolve) => setTimeout(() => resolve("posted"), 500));
}
export const steal = () => "armed";
`;
}

const cyclic =
  `(() => { const ready = { type: "ready", protocol: ${PROTOCOL_VERSION} }; ready.symbols = [ready]; return ready; })()`;

const STOLEN_PORT_MESSAGES: Record<string, string> = {
  "a log message with a forged level": `{ type: "log", level: "FORGED-LEVEL", text: "x" }`,
  "a second ready holding a cycle": cyclic,
  "a malformed reply batch": `{ type: "batch", records: [99, 1, 2] }`,
  "an unknown message type": `{ type: "root-me" }`,
  "an exit whose reason is not a string": `{ type: "exit", reason: { toString: null } }`,
};

Deno.test("worker tier: a stolen port speaks only what the host checks", async (t) => {
  for (const [name, forged] of Object.entries(STOLEN_PORT_MESSAGES)) {
    await t.step(name, async () => {
      await using fixture = await tempPlugin({ name: "thief" }, portThief(forged));
      const sink = logSink();
      await using host = createHost({ isolation: "worker", log: sink.log });
      const plugin = await host.load(fixture.dir);
      assert.equal(await plugin.call("steal"), "armed"); // this call's message event hands over the port
      const error = await plugin.call("attack").then(
        (value) => assert.fail(`the forged message passed; the call returned ${value}`),
        (error) => error,
      );
      assert.ok(error instanceof PluginCrashedError, String(error));
      assert.match(error.reason, /broke the protocol/);
      assert.ok(sink.entries.every((entry) => entry.level !== ("FORGED-LEVEL" as string)));
      await hostAnswers(host);
    });
  }
});

const READY = { type: "ready", protocol: PROTOCOL_VERSION };

const HOSTILE_HANDSHAKES: Record<string, () => unknown> = {
  "a ready holding a cycle": () => {
    const ready: Record<string, unknown> = { ...READY };
    ready.symbols = [ready];
    return ready;
  },
  "a ready whose symbols are [null]": () => ({ ...READY, symbols: [null] }),
  "a ready with a million symbols": () => ({
    ...READY,
    symbols: Array.from({ length: 1_000_000 }, (_, i) => ({ name: `s${i}`, kind: "value" })),
  }),
  "a ready whose symbol name is not a string": () => ({
    ...READY,
    symbols: [{ name: { length: 1 }, kind: "function" }],
  }),
  "a ready whose symbol kind is unknown": () => ({
    ...READY,
    symbols: [{ name: "x", kind: "backdoor" }],
  }),
  "a ready whose symbols are not a list": () => ({ ...READY, symbols: "everything" }),
  "a load-error holding a cycle": () => {
    const error: Record<string, unknown> = { name: "Error" };
    error.message = error;
    return { type: "load-error", protocol: PROTOCOL_VERSION, error };
  },
  "a protocol version that is an object": () => ({ ...READY, protocol: { v: 1 }, symbols: [] }),
  "not an object": () => "ready",
  "an unknown type": () => ({ type: "rce", protocol: PROTOCOL_VERSION }),
  "a log with a forged level": () => ({ type: "log", level: "FORGED-LEVEL", text: "x" }),
};

Deno.test("host.load() fails typed, and ends the isolate, on any hostile handshake", async (t) => {
  await using fixture = await tempPlugin({ name: "scripted" });
  for (const [name, answer] of Object.entries(HOSTILE_HANDSHAKES)) {
    await t.step(name, async () => {
      const { tier, terminated } = scriptedTier(answer);
      await using host = new PluginHost({ isolation: "scripted" as IsolationName }, {
        scripted: tier,
      });
      const error = await host.load(fixture.dir).catch((e) => e);
      assert.ok(error instanceof PluginError, `${error?.name}: ${error?.message}`);
      assert.ok(error.message.length < 2_000, "the message quotes none of the plugin's data");
      assert.ok(terminated(), "the isolate was ended");
    });
  }
});

Deno.test("a plugin whose runtime sends garbage after the start is ended, not the host", async (t) => {
  await using fixture = await tempPlugin({ name: "scripted" });
  const after: Record<string, unknown[]> = {
    "a batch that is not a list": [{ type: "batch", records: "x" }],
    "a record of an unknown tag": [{ type: "batch", records: [77, 1] }],
    "a truncated record": [{ type: "batch", records: [1] }],
    "a second ready": [{ ...READY, symbols: [] }],
    "an exit with a huge reason": [{ type: "exit", reason: "x".repeat(10_000_000) }],
  };
  for (const [name, messages] of Object.entries(after)) {
    await t.step(name, async () => {
      const { tier, terminated } = scriptedTier(() => ({ ...READY, symbols: [] }), () => messages);
      await using host = new PluginHost({ isolation: "scripted" as IsolationName }, {
        scripted: tier,
      });
      const crashed = new Promise<PluginCrashedError>((resolve) =>
        host.addEventListener("crash", (event) => resolve((event as CustomEvent).detail.error))
      );
      await host.load(fixture.dir);
      const error = await crashed;
      assert.ok(error instanceof PluginCrashedError);
      assert.ok(error.reason.length < 5_000, "the reason is bounded");
      assert.ok(terminated(), "the isolate was ended");
    });
  }
});

Deno.test("a runtime that breaks the protocol right after ready fails the load", async () => {
  await using fixture = await tempPlugin({ name: "scripted" });
  const { tier, terminated } = scriptedTier(
    () => ({ ...READY, symbols: [] }),
    () => [{ type: "batch", records: "x" }],
    0,
  );
  await using host = new PluginHost({ isolation: "scripted" as IsolationName }, { scripted: tier });
  await assert.rejects(host.load(fixture.dir), (error: unknown) => {
    assert.ok(error instanceof PluginLoadError, String(error));
    assert.match(error.message, /broke the protocol/);
    return true;
  });
  assert.ok(terminated());
});
