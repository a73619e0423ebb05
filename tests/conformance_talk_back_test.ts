/**
 * The conformance table's rows for plugins that talk back, run against every
 * variant of `tests/conformance_test.ts` with the same plugin: host calls
 * (one made at import time), denied host calls, callbacks (and a late one),
 * streams out and in, cancellation both ways, a crash mid-stream, and
 * backpressure both ways. A row that a tier cannot honour is listed as
 * ignored for that tier, with the reason beside it.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  callback,
  type Host,
  type IsolationName,
  type LoadOptions,
  type Plugin,
  PluginCrashedError,
  type Variable,
} from "@sandplug/host";
import { type TempPlugin, tempPlugin } from "./_helpers.ts";
import { eventually, hostOn, ignoredBecause, record, type Row, VARIANTS } from "./_conformance.ts";
import { MANIFEST, NAME, PLUGIN, PROVIDE } from "./_talk_back_plugin.ts";

/** What every row gets: its tier and the plugin folder. */
interface Context {
  tier: IsolationName;
  /** The options every load of the row passes (the tier, the channel) and `provide`. */
  load: LoadOptions;
  plugin: TempPlugin;
  /** A host on the tier, shared by the rows that do not crash or close plugins. */
  host: Host;
  /** The plugin loaded once on the shared host. */
  p: Plugin;
}

async function collect(stream: ReadableStream<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

/** `[1, 2, …, n]`. */
function upTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** An endless source that counts its pulls and notes its cancel. */
function countingSource() {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<number>({
    pull(controller) {
      state.pulled++;
      controller.enqueue(state.pulled);
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { state, stream };
}

const ROWS: Row<Context>[] = [
  {
    name: "a host call made while the module loads, and host calls made from calls",
    async run({ p }) {
      assert.deepEqual(p.permissions.host, ["sum", "upper"]);
      assert.equal(await p.lookup<Variable<number>>("atImport").get(), 42);
      assert.equal(await p.call("add", [1, 2]), 3);
      assert.equal(await p.call("shout", ["hi"]), "HI");
      const many = await Promise.all(Array.from({ length: 20 }, (_, i) => p.call("add", [i, i])));
      assert.deepEqual(many, Array.from({ length: 20 }, (_, i) => 2 * i));
    },
  },
  {
    name: "a host function not listed, or not provided: HostFunctionDeniedError and a denied event",
    async run({ load, tier, plugin }) {
      await using host = hostOn(tier);
      const events = record(host, "denied");
      const p = await host.load(plugin.dir, load);
      for (const name of ["unlisted", "nothing"]) {
        const result = await p.call("attempt", [name]) as Record<string, unknown>;
        assert.equal(result.name, "HostFunctionDeniedError");
        assert.equal(result.denied, true, "an instance of the SDK's HostFunctionDeniedError");
        assert.match(
          String(result.message),
          new RegExp(`may not call the host function "${name}"`),
        );
      }
      await eventually("both denied events", () => events.length >= 2);
      assert.deepEqual(
        events.map(({ detail }) => [detail.plugin, detail.kind, detail.value]),
        [[NAME, "host", "unlisted"], [NAME, "host", "nothing"]],
      );
      assert.equal(await p.call("add", [2, 2]), 4);
    },
  },
  {
    name: "a callback runs on the host with the plugin's arguments and answers it",
    async run({ p }) {
      const seen: unknown[] = [];
      const report = callback((item: number) => {
        seen.push(item);
        return item * 10;
      });
      assert.deepEqual(await p.call("each", [[1, 2, 3], report]), [10, 20, 30]);
      assert.deepEqual(seen, [1, 2, 3]);
    },
  },
  {
    name:
      "a callback used after its call settled: CallbackExpiredError, and the host fn stays unrun",
    async run({ p }) {
      const seen: unknown[] = [];
      await p.call("each", [[1], callback((item: unknown) => seen.push(item))]);
      const result = await p.call("late") as Record<string, unknown>;
      assert.equal(result.name, "CallbackExpiredError");
      assert.equal(result.expired, true, "an instance of the SDK's CallbackExpiredError");
      assert.match(String(result.message), /no longer valid/);
      assert.deepEqual(seen, [1]);
    },
  },
  {
    name: "stream out: p.stream() reads an async generator's and a ReadableStream's items in order",
    async run({ p }) {
      assert.deepEqual(await collect(p.stream("count", [5])), [1, 2, 3, 4, 5]);
      // Long enough to span many batches each way: none may overtake another.
      assert.deepEqual(await collect(p.stream("count", [1_000])), upTo(1_000));
      assert.deepEqual(await collect(p.stream("readable")), ["a", "b", "c"]);
      assert.deepEqual(await collect(p.stream("count", [0])), []);
    },
  },
  {
    name: "stream in: a ReadableStream or async iterable argument is read as an async iterable",
    async run({ p }) {
      assert.deepEqual(await p.call("all", [ReadableStream.from([1, 2, 3, 4])]), [1, 2, 3, 4]);
      async function* numbers() {
        for (let n = 1; n <= 1_000; n++) yield n;
      }
      // Every item is a host call from the plugin, many in flight: the answers must keep their order.
      assert.deepEqual(await p.call("all", [numbers()]), upTo(1_000));
      assert.deepEqual(await p.call("all", [ReadableStream.from([])]), []);
    },
  },
  {
    name:
      "stream-out cancellation: break in for await runs the generator's finally before it settles",
    async run({ p }) {
      const cleaned = p.lookup<Variable<boolean>>("cleaned");
      await cleaned.set(false);
      const seen: unknown[] = [];
      for await (const item of p.stream("count", [1_000_000])) {
        seen.push(item);
        if (seen.length === 3) break;
      }
      assert.deepEqual(seen, [1, 2, 3]);
      assert.equal(await cleaned.get(), true);
    },
  },
  {
    name: "stream-in cancellation: break in the plugin cancels the host's source",
    async run({ p }) {
      const { state, stream } = countingSource();
      assert.deepEqual(await p.call("firstOf", [stream, 3]), [1, 2, 3]);
      assert.equal(state.cancelled, true);
      let finished = false;
      async function* endless() {
        try {
          for (let n = 1;; n++) yield n;
        } finally {
          finished = true;
        }
      }
      assert.deepEqual(await p.call("firstOf", [endless(), 2]), [1, 2]);
      assert.equal(finished, true);
    },
  },
  {
    name: "a crash mid-stream errors it with PluginCrashedError after the items before it",
    skip: {
      inline:
        "an uncaught error in inline plugin code is an uncaught error of the host itself: there is no " +
        "isolate to lose, so the test process would die",
    },
    async run({ load, tier, plugin }) {
      await using host = hostOn(tier, { log: () => {} });
      const events = record(host, "crash");
      const p = await host.load(plugin.dir, load);
      const items: unknown[] = [];
      await assert.rejects(
        (async () => {
          for await (const item of p.stream("crashAfterOne")) items.push(item);
        })(),
        (error: unknown) => {
          assert.ok(error instanceof PluginCrashedError);
          assert.equal(error.plugin, NAME);
          assert.match(error.reason, /boom/);
          return true;
        },
      );
      assert.deepEqual(items, [1]);
      await eventually("the crash event", () => events.length > 0);
      assert.equal(p.closed, true);
    },
  },
  {
    name: "backpressure out: the plugin is not pulled past the window and the item read",
    async run({ p }) {
      const produced = p.lookup<Variable<number>>("produced");
      const cleaned = p.lookup<Variable<boolean>>("cleaned");
      await cleaned.set(false);
      const reader = p.stream("count", [1_000_000], { window: 4 }).getReader();
      assert.deepEqual(await reader.read(), { done: false, value: 1 });
      await new Promise((resolve) => setTimeout(resolve, 150));
      // One read, plus the window: at most 5 items made.
      const made = await produced.get();
      assert.ok(made <= 1 + 4, `the plugin made ${made} items for 1 read with a window of 4`);
      await reader.cancel();
      assert.equal(await cleaned.get(), true);
    },
  },
  {
    name: "backpressure in: the host's source is not pulled past 16 ahead of the plugin",
    async run({ p }) {
      const { state, stream } = countingSource();
      const [first, whileHeld] = await Promise.all([
        p.call("holdAfterOne", [stream, 300]),
        // Sampled while the plugin holds the stream: the item it read, plus one window.
        new Promise<number>((resolve) => setTimeout(() => resolve(state.pulled), 150)),
      ]);
      assert.equal(first, 1);
      assert.ok(whileHeld >= 1, "the plugin read the first item");
      assert.ok(whileHeld <= 1 + 16, `the source was pulled ${whileHeld} times for 1 read`);
      assert.ok(state.pulled <= 1 + 16, `the source was pulled ${state.pulled} times in all`);
      assert.equal(state.cancelled, true);
    },
  },
];

for (const variant of VARIANTS) {
  const { name, tier } = variant;
  Deno.test(`conformance, plugins talk back (${name})`, async (t) => {
    await using plugin = await tempPlugin(MANIFEST, PLUGIN);
    const load: LoadOptions = { ...variant.load, provide: PROVIDE };
    await using host = hostOn(tier);
    const p = await host.load(plugin.dir, load);
    const context: Context = { tier, load, plugin, host, p };
    for (const row of ROWS) {
      const reason = ignoredBecause(row, variant);
      // A row that crashed the shared plugin fails itself; the rows after it get a fresh one.
      if (reason === undefined && context.p.closed) context.p = await host.load(plugin.dir, load);
      // An ignored row shows as "ignored" in the report; its reason is in the table above.
      await t.step({ name: row.name, ignore: reason !== undefined, fn: () => row.run(context) });
    }
  });
}
