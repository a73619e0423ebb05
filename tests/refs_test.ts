/**
 * What the host passes by reference, in every tier: callbacks the plugin
 * calls while the call runs (and not after), and streams the plugin reads
 * as async iterables, with backpressure and cancellation reaching the host.
 */
import assert from "node:assert/strict";
import { callback, createHost } from "../mod.ts";
import { tempPlugin } from "./_helpers.ts";

const TIERS = ["process", "worker", "inline"] as const;

const PLUGIN = `let kept;
export async function each(items, report) {
  for (const item of items) await report(item, item * 10);
  kept = report;
  return items.length;
}
export async function late() {
  try {
    await kept("again");
    return "called";
  } catch (error) {
    return error.name + ": " + error.message;
  }
}
export async function failing(report) {
  try {
    await report();
    return "no error";
  } catch (error) {
    return { name: error.name, message: error.message, stack: String(error.stack) };
  }
}
export async function total(numbers) {
  let sum = 0;
  for await (const n of numbers) sum += n;
  return sum;
}
export async function* double(source) {
  for await (const n of source) yield n * 2;
}
export async function firstOf(source, n) {
  const taken = [];
  for await (const item of source) {
    taken.push(item);
    if (taken.length === n) break;
  }
  return taken;
}
`;

for (const tier of TIERS) {
  Deno.test(`${tier} tier: callbacks and streams passed to a plugin call`, async (t) => {
    await using fixture = await tempPlugin({}, PLUGIN);
    await using host = createHost({ isolation: tier });
    const p = await host.load(fixture.dir);

    await t.step("a callback runs on the host with the plugin's arguments", async () => {
      const seen: unknown[] = [];
      const report = callback((item: number, tenfold: number) => seen.push([item, tenfold]));
      assert.equal(await p.call("each", [[1, 2, 3], report]), 3);
      assert.deepEqual(seen, [[1, 10], [2, 20], [3, 30]]);
    });

    await t.step("a callback used after its call settled: CallbackExpiredError", async () => {
      assert.match(String(await p.call("late")), /^CallbackExpiredError: .*no longer valid/);
    });

    await t.step("a callback's error reaches the plugin as a name and a message", async () => {
      const boom = callback(() => {
        throw new TypeError("bad input", { cause: new Error("/host/secret") });
      });
      const result = await p.call("failing", [boom]) as Record<string, string>;
      assert.equal(result.name, "TypeError");
      assert.equal(result.message, "bad input");
      assert.doesNotMatch(result.stack, /refs_test|\/host\/secret/);
    });

    await t.step(
      "a ReadableStream or async iterable argument is read as an async iterable",
      async () => {
        assert.equal(await p.call("total", [ReadableStream.from([1, 2, 3, 4])]), 10);
        async function* numbers() {
          for (let n = 1; n <= 100; n++) yield n;
        }
        assert.equal(await p.call("total", [numbers()]), 5050);
      },
    );

    await t.step(
      "a stream in, transformed, and streamed out: p.stream() takes references too",
      async () => {
        const out: unknown[] = [];
        for await (const n of p.stream("double", [ReadableStream.from([1, 2, 3])])) out.push(n);
        assert.deepEqual(out, [2, 4, 6]);
      },
    );

    await t.step(
      "backpressure and cancellation: the host's source is pulled only ahead of the plugin, and cancelled on break",
      async () => {
        let pulled = 0;
        let cancelled = false;
        const source = new ReadableStream<number>({
          pull(controller) {
            pulled++;
            controller.enqueue(pulled);
          },
          cancel() {
            cancelled = true;
          },
        }, { highWaterMark: 0 });
        assert.deepEqual(await p.call("firstOf", [source, 3]), [1, 2, 3]);
        assert.equal(cancelled, true);
        // The three read, plus at most one window (16) read ahead.
        assert.ok(pulled <= 3 + 16, `pulled ${pulled}`);
      },
    );
  });
}
