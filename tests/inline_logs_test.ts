/**
 * Inline plugins' console output is their log, as in the other tiers: tagged
 * with the plugin's name, given to the host's log sink and fired as a `log`
 * event, from every kind of plugin code and by every way of calling it; the
 * host's own console output stays its own.
 */
import assert from "node:assert/strict";
import { createHost, type PluginLogEntry } from "@sandplug/host";
import { tempPlugin } from "./_helpers.ts";
import { eventually, record } from "./_conformance.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A host on the inline tier whose log sink collects entries; its log events too. */
function loggingHost(options: Parameters<typeof createHost>[0] = {}) {
  const entries: PluginLogEntry[] = [];
  const host = createHost({ isolation: "inline", log: (entry) => entries.push(entry), ...options });
  const events = record(host, "log");
  return { host, entries, events };
}

/** The entries whose message holds `tag`, in order. */
function tagged(entries: readonly PluginLogEntry[], tag: string): PluginLogEntry[] {
  return entries.filter((entry) => entry.message.includes(tag));
}

function sortedByMessage(entries: readonly PluginLogEntry[]): PluginLogEntry[] {
  return [...entries].sort((a, b) => a.message < b.message ? -1 : 1);
}

const PLUGIN = `
console.log("top-level");
setTimeout(() => console.info("top-level timer"), 0);
export function sync(tag: string) { console.warn("sync %d", 7, tag); }
export async function afterAwait(tag: string) {
  await new Promise((resolve) => setTimeout(resolve, 5));
  console.error("after await", tag);
}
export function timer(tag: string) { setTimeout(() => console.debug("timer", tag), 5); }
export function promised(tag: string) {
  return new Promise((resolve) => setTimeout(() => resolve(console.log("promised", tag)), 1));
}
export function counted(tag: string) { console.count(tag); }
export async function* ticks(tag: string) {
  for (let tick = 0; tick < 3; tick++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    console.log("tick", tick, tag);
    yield tick;
  }
}
`;

Deno.test("an inline plugin's console output is tagged and routed, from every kind of its code", async (t) => {
  await using fixture = await tempPlugin({ name: "inline-logs" }, PLUGIN);
  const { host, entries, events } = loggingHost();
  await using _ = host;
  const p = await host.load(fixture.dir);
  const entry = (level: PluginLogEntry["level"], message: string): PluginLogEntry => ({
    plugin: "inline-logs",
    level,
    message,
  });

  await t.step("module top-level code, and a timer it set", async () => {
    await eventually("the top-level timer's line", () => entries.length >= 2);
    assert.deepEqual(entries.slice(0, 2), [
      entry("log", "top-level"),
      entry("info", "top-level timer"),
    ]);
  });

  const calls: [string, (symbol: string, tag: string) => Promise<unknown>][] = [
    ["direct", (symbol, tag) => p.lookup<(tag: string) => unknown>(symbol)(tag)],
    ["message", (symbol, tag) => p.call(symbol, [tag], { signal: AbortSignal.timeout(5_000) })],
  ];
  for (const [path, call] of calls) {
    await t.step(
      `sync, after an await, in a timer, in a promise, by the ${path} path`,
      async () => {
        for (const round of [1, 2]) {
          const tag = `${path}${round}`;
          await call("sync", tag);
          await call("afterAwait", tag);
          await call("timer", tag);
          await call("promised", tag);
          await call("counted", tag);
          await eventually(`the timer's line (${tag})`, () => tagged(entries, tag).length >= 5);
          // The timer's line comes when it comes: compared without order.
          assert.deepEqual(
            sortedByMessage(tagged(entries, tag)),
            sortedByMessage([
              entry("warn", `sync 7 ${tag}`),
              entry("error", `after await ${tag}`),
              entry("debug", `timer ${tag}`),
              entry("log", `promised ${tag}`),
              entry("log", `${tag}: 1`),
            ]),
          );
        }
      },
    );
  }

  await t.step("in an async generator the host reads as a stream", async () => {
    const ticks = [];
    for await (const tick of p.stream("ticks", ["stream"])) ticks.push(tick);
    assert.deepEqual(ticks, [0, 1, 2]);
    assert.deepEqual(tagged(entries, "stream"), [
      entry("log", "tick 0 stream"),
      entry("log", "tick 1 stream"),
      entry("log", "tick 2 stream"),
    ]);
  });

  await t.step("each line fires a log event with the plugin's name", () => {
    assert.equal(entries.length, 2 + 2 * 2 * 5 + 3);
    assert.deepEqual(events.map((event) => event.detail), entries);
  });
});

Deno.test("a compiled-in plugin's console output is tagged and routed too", async () => {
  const { host, entries, events } = loggingHost();
  await using _ = host;
  host.register("compiled", {
    hello: (name: string) => console.log("hello", name),
    later: async (name: string) => {
      await delay(1);
      console.warn("later", name);
    },
    start: (name: string) => void setTimeout(() => console.info("started", name), 1),
  });
  const p = await host.load("compiled");
  await p.lookup<(name: string) => void>("hello")("direct");
  await p.lookup<(name: string) => void>("later")("direct");
  await p.lookup<(name: string) => void>("start")("direct");
  await eventually("the timer's line", () => entries.length >= 3);
  await p.call("hello", ["message"], { signal: AbortSignal.timeout(5_000) });
  await eventually("the timer's line", () => entries.length >= 4);
  assert.deepEqual(entries, [
    { plugin: "compiled", level: "log", message: "hello direct" },
    { plugin: "compiled", level: "warn", message: "later direct" },
    { plugin: "compiled", level: "info", message: "started direct" },
    { plugin: "compiled", level: "log", message: "hello message" },
  ]);
  assert.equal(events.length, 4);
});

type Steps = (name: string, n: number) => Promise<void>;

Deno.test("two inline plugins running at once, even of one module, each log as themselves", async () => {
  const { host, entries } = loggingHost();
  await using _ = host;
  const module = {
    say: (name: string) => console.log(name, "says"),
    steps: async (name: string, n: number) => {
      for (let step = 0; step < n; step++) {
        await delay(step % 3);
        console.log(name, "step", step);
      }
    },
  };
  host.register("alpha", module);
  host.register("beta", module);
  const alpha = await host.load("alpha");
  const beta = await host.load("beta");
  const signal = AbortSignal.timeout(10_000);
  await Promise.all([
    alpha.lookup<Steps>("steps")("alpha", 20),
    beta.lookup<Steps>("steps")("beta", 20),
    alpha.call("steps", ["alpha", 20], { signal }),
    beta.call("steps", ["beta", 20], { signal }),
    ...Array.from(
      { length: 10 },
      (_, i) =>
        (i % 2 ? alpha : beta).lookup<(name: string) => void>("say")(i % 2 ? "alpha" : "beta"),
    ),
  ]);
  assert.equal(entries.length, 90);
  for (const { plugin, message } of entries) assert.equal(message.split(" ")[0], plugin);
});

Deno.test("output that a closed inline plugin's code still writes is dropped, harmlessly", async () => {
  const { host, entries, events } = loggingHost();
  await using _ = host;
  let interval: ReturnType<typeof setInterval> | undefined;
  host.register("closing", {
    linger: () => void setTimeout(() => console.log("late timer"), 20),
    lingerAsync: async () => {
      await delay(20);
      console.log("late await");
    },
    tick: () => {
      interval = setInterval(() => console.log("late tick"), 5);
    },
    now: () => console.log("now"),
  });
  const p = await host.load("closing");
  await p.lookup<() => void>("now")();
  await p.lookup<() => void>("linger")();
  await p.lookup<() => void>("tick")();
  const pending = p.call("lingerAsync", [], { signal: AbortSignal.timeout(5_000) });
  await p.close();
  await pending.catch(() => {});
  await delay(60);
  clearInterval(interval);
  assert.deepEqual(entries, [{ plugin: "closing", level: "log", message: "now" }]);
  assert.equal(events.length, 1);
  const again = await host.load("closing");
  await again.lookup<() => void>("now")();
  assert.equal(entries.length, 2, "a new load of the same module logs as before");
});

Deno.test("the host's own console output stays untagged, in handlers of plugin logs too", async () => {
  const mod = new URL("../mod.ts", import.meta.url).href;
  const script = `
import { createHost } from ${JSON.stringify(mod)};
const host = createHost({});
host.register("loud", {
  say: (x) => console.log("plugin says", x),
  later: async (x) => { await 0; console.error("plugin later", x); },
  linger: () => void setTimeout(() => console.log("plugin late"), 20),
});
let events = 0;
host.addEventListener("log", (event) => {
  events++;
  console.log("listener saw", event.detail.plugin, event.detail.message);
  setTimeout(() => console.log("listener timer"), 1);
});
host.addEventListener("load", () => {
  console.log("load listener");
  setTimeout(() => console.log("load timer"), 1);
});
console.log("host before");
const p = await host.load("loud");
await p.lookup<(name: string) => void>("say")(1);
await p.call("later", [2], { signal: AbortSignal.timeout(5000) });
await p.lookup<() => void>("linger")();
await p.close();
console.log("host after");
console.error("host error");
await new Promise((resolve) => setTimeout(resolve, 60));
console.log("events", events);
await host.close();
`;
  const dir = await Deno.makeTempDir({ prefix: "sandplug-inline-logs-" });
  try {
    const file = `${dir}/host.ts`;
    await Deno.writeTextFile(file, script);
    const config = new URL("../deno.json", import.meta.url).pathname;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-check", "--config", config, file],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const lines = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim().split("\n");
    const stderr = lines(output.stderr);
    assert.equal(output.code, 0, stderr.join("\n"));
    assert.deepEqual(lines(output.stdout).sort(), [
      "events 2",
      "host after",
      "host before",
      "listener saw loud plugin later 2",
      "listener saw loud plugin says 1",
      "listener timer",
      "listener timer",
      "load listener",
      "load timer",
    ]);
    assert.deepEqual(stderr, ["[loud] plugin says 1", "[loud] plugin later 2", "host error"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
