/**
 * Every result a plugin produced is delivered, even when the plugin ends
 * right after: replies are batched per tick, and an exit, an uncaught error
 * or an unhandled rejection in a later call of the same batch must not take
 * the earlier calls' replies with it (issue 13).
 */
import assert from "node:assert/strict";
import { createHost, PluginCrashedError } from "../mod.ts";
import { tempPlugin } from "./_helpers.ts";

const PLUGIN = `export const echo = (x) => x;
export function exitNow() { Deno.exit(3); }
export function throwSoon() { queueMicrotask(() => { throw new Error("uncaught"); }); return "thrown later"; }
export function rejectSoon() { Promise.reject(new Error("unhandled")); return "rejected later"; }
`;

for (const tier of ["process", "worker"] as const) {
  for (const ender of ["exitNow", "throwSoon", "rejectSoon"]) {
    Deno.test(`${tier} tier: calls that returned before ${ender} in the same batch deliver`, async () => {
      await using fixture = await tempPlugin({}, PLUGIN);
      await using host = createHost({ isolation: tier, log: () => {} });
      const p = await host.load(fixture.dir);
      // One tick: the host sends these as one batch, and the runtime answers in one.
      const before = Array.from({ length: 10 }, (_, i) => p.call("echo", [i]));
      const [settled, end] = await Promise.all([
        Promise.allSettled(before),
        Promise.allSettled([p.call(ender)]),
      ]);
      assert.deepEqual(
        settled.map((outcome) => outcome.status === "fulfilled" ? outcome.value : "lost"),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
      if (ender === "exitNow") {
        assert.equal(end[0].status, "rejected");
        assert.ok((end[0] as PromiseRejectedResult).reason instanceof PluginCrashedError);
      } else {
        // It returned before its error ended the plugin: its result is delivered too.
        assert.equal(end[0].status, "fulfilled");
      }
    });
  }
}
