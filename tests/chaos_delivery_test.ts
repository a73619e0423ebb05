/**
 * The chaos run of issue 13: 6 plugins × 300 pipelined calls, about 2% of
 * which exit or spin their plugin, with `restart: "on-failure"`. Every call
 * settles; at least 95% of the calls that do not themselves exit or spin
 * return their result; calls queued behind a fatal one run after the
 * restart. Spinning worker threads cannot be stopped (SECURITY.md, residual
 * 2) and would keep burning cores for the rest of the run, so the worker
 * tier's chaos calls exit and the process tier's exit or spin.
 */
import assert from "node:assert/strict";
import { createHost } from "../mod.ts";
import { generator, tempPlugin } from "./_helpers.ts";

const PLUGINS = 6;
const CALLS = 300;

const PLUGIN = `export const echo = (x) => x;
export function exitNow() { Deno.exit(3); }
export function spin() { for (;;) {} }
`;

for (const tier of ["process", "worker"] as const) {
  Deno.test(`${tier} tier: chaos delivers at least 95% of the ordinary calls' results`, async () => {
    await using fixture = await tempPlugin({}, PLUGIN);
    await using host = createHost({
      isolation: tier,
      log: () => {},
      restart: { maxRestarts: 100, backoffMs: 10, maxBackoffMs: 50 },
      callTimeoutMs: 20_000,
    });
    const random = generator(1_234);
    const plugins = await Promise.all(
      Array.from({ length: PLUGINS }, () => host.load(fixture.dir)),
    );
    const runs = plugins.map((p) => {
      const calls: { chaos: boolean; promise: Promise<unknown>; expected: number }[] = [];
      for (let i = 0; i < CALLS; i++) {
        const roll = random();
        if (roll < 0.02) {
          const symbol = tier === "worker" || roll < 0.01 ? "exitNow" : "spin";
          calls.push({
            chaos: true,
            promise: p.call(symbol, [], { timeoutMs: 300 }),
            expected: -1,
          });
        } else {
          calls.push({ chaos: false, promise: p.call("echo", [i]), expected: i });
        }
      }
      return calls;
    });
    const all = runs.flat();
    const settled = await Promise.allSettled(all.map((call) => call.promise));
    const ordinary = all.map((call, i) => ({ call, outcome: settled[i] })).filter(({ call }) =>
      !call.chaos
    );
    const delivered = ordinary.filter(({ call, outcome }) =>
      outcome.status === "fulfilled" && outcome.value === call.expected
    ).length;
    const chaos = all.length - ordinary.length;
    console.log(
      `${tier}: ${chaos} chaos calls; ${delivered} of ${ordinary.length} ordinary calls delivered`,
    );
    assert.ok(chaos > 0, "the run has chaos calls");
    assert.ok(
      delivered >= 0.95 * ordinary.length,
      `${delivered} of ${ordinary.length} ordinary calls delivered`,
    );
  });
}
