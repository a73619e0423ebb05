/**
 * Completed replies are never held behind a long synchronous call: replies
 * are batched per tick, so without care a call that spins would keep the
 * replies of the calls before it in its batch forever (issue 13). The
 * runtime sends what is pending before it starts a function not known to
 * return quickly.
 *
 * A spinning worker keeps its thread busy until the test process exits
 * (SECURITY.md, residual 2): this file holds nothing else.
 */
import assert from "node:assert/strict";
import { createHost, PluginTimeoutError } from "../mod.ts";
import { tempPlugin } from "./_helpers.ts";

const PLUGIN = `export const echo = (x) => x;
export function spin() { for (;;) {} }
`;

for (const tier of ["process", "worker"] as const) {
  Deno.test(`${tier} tier: calls that returned before a spinning call in the same batch deliver`, async () => {
    await using fixture = await tempPlugin({}, PLUGIN);
    await using host = createHost({ isolation: tier, log: () => {} });
    const p = await host.load(fixture.dir);
    // Warm: echo is now known to return quickly, so its calls stay batched.
    assert.equal(await p.call("echo", [-1]), -1);
    const before = Array.from({ length: 10 }, (_, i) => p.call("echo", [i]));
    const [settled, spun] = await Promise.all([
      Promise.allSettled(before),
      Promise.allSettled([p.call("spin", [], { timeoutMs: 300 })]),
    ]);
    assert.deepEqual(
      settled.map((outcome) => outcome.status === "fulfilled" ? outcome.value : "held"),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.equal(spun[0].status, "rejected");
    assert.ok((spun[0] as PromiseRejectedResult).reason instanceof PluginTimeoutError);
  });
}
