/**
 * This repository's example plugins, tested as their authors would with
 * `@sandplug/host/testing`: each in every tier its plugin.json lets it run in,
 * every call checked to need nothing beyond its manifest. (plugins/polyglot is
 * left out: examples/hot_reload.ts rewrites it while tests run in parallel.)
 *
 * @module
 */
import assert from "node:assert/strict";
import { AssertionError } from "node:assert";
import { join } from "node:path";
import type { Variable } from "../mod.ts";
import { assertWithinManifest, testPlugin } from "../testing.ts";
import { counterV1 } from "../plugins/counter/contract.ts";
import type { PodInfo } from "../plugins/qos-sort/mod.ts";
import type { AccessRecord } from "../plugins/records/mod.ts";

const plugin = (name: string) => new URL(`../plugins/${name}/`, import.meta.url);

Deno.test("plugins/qos-sort orders pods by priority, then QoS class, in every tier", (t) =>
  testPlugin(t, plugin("qos-sort"), async (qos, tier) => {
    const pod = (name: string, priority: number, qos: PodInfo["qos"]) => ({ name, priority, qos });
    const less = (a: PodInfo, b: PodInfo) =>
      assertWithinManifest(qos, () => qos.call("Less", [a, b]));
    assert.equal(await less(pod("a", 10, "BestEffort"), pod("b", 1, "Guaranteed")), true, tier);
    assert.equal(await less(pod("a", 1, "BestEffort"), pod("b", 1, "Burstable")), false, tier);
    assert.equal(await less(pod("a", 1, "Guaranteed"), pod("b", 1, "Burstable")), true, tier);
  }));

Deno.test("plugins/counter leaves its sums to the host, in every tier", (t) => {
  const sums: number[][] = [];
  return testPlugin(t, plugin("counter"), async (counter, tier) => {
    sums.length = 0;
    const put = counter.lookup("put");
    await assertWithinManifest(counter, () => Promise.all([put("a", 1), put("a", 2)]));
    assert.deepEqual(sums, [[0, 1], [1, 2]], tier);
    assert.equal(await counter.lookup("get")("a"), 3, tier);
  }, {
    load: { contract: counterV1, provide: { sum: (a, b) => (sums.push([a, b]), a + b) } },
  });
});

Deno.test("plugins/markdown renders with its npm package and no permission, in every tier", (t) =>
  testPlugin(t, plugin("markdown"), async (markdown, tier) => {
    const render = (text: string) =>
      assertWithinManifest(markdown, () => markdown.call("render", [text]));
    assert.equal(await render("# Title"), "<h1>Title</h1>\n", tier);
    await markdown.lookup<Variable<{ gfm: boolean; breaks: boolean }>>("options")
      .set({ gfm: true, breaks: true });
    assert.equal(await render("a\nb"), "<p>a<br>b</p>\n", tier);
  }));

/** The folder plugins/records/plugin.json asks to read. */
const RECORDS_DIR = "/tmp/sandplug-records";

Deno.test("plugins/records streams a file of its grant, and reads nothing outside it, in every tier", async (t) => {
  await Deno.mkdir(RECORDS_DIR, { recursive: true });
  const path = await Deno.makeTempFile({ dir: RECORDS_DIR, prefix: "helpers-", suffix: ".ndjson" });
  try {
    await Deno.writeTextFile(path, '{"id":1,"path":"/a"}\n{"id":2,"path":"/b"}\n');
    await testPlugin(t, plugin("records"), async (records, tier) => {
      const ids = await assertWithinManifest(records, () =>
        Array.fromAsync(
          records.stream<AccessRecord>("records", [path]),
          (record) => record.id,
        ));
      assert.deepEqual(ids, [1, 2], tier);
      // A file outside the grant: the helper names it, and the permissions that would allow it.
      const outside = join(Deno.cwd(), "deno.json");
      await assert.rejects(
        assertWithinManifest(records, () => Array.fromAsync(records.stream("records", [outside]))),
        (error) => {
          assert.ok(error instanceof AssertionError);
          assert.match(error.message, new RegExp(`read "${outside}" \\(during it\\)`));
          // The advice lists the paths sorted, so where the checkout lives decides the order.
          const read = JSON.stringify([RECORDS_DIR, outside].sort());
          assert.ok(error.message.includes(`"read":${read}`), error.message);
          return true;
        },
        tier,
      );
    });
  } finally {
    await Deno.remove(path);
  }
});
