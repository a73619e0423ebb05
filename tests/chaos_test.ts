/**
 * Chaos: ten plugins under ten thousand mixed calls while some of them crash,
 * hang or exit at random moments. Every call must settle, with a result or a
 * typed error, and the host must end with nothing pending.
 *
 * The inline tier is left out: an inline plugin runs in the host's own
 * isolate, so its crash is the host's crash and its busy loop freezes the
 * host; there is nothing to restart.
 *
 * Choices come from seeded generators, so a failing run can be replayed with
 * `CHAOS_SEED=<seed printed by the run> deno test -A tests/chaos_test.ts`.
 * The timing of the interleaving still varies from run to run.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  createHost,
  type HostEventDetail,
  type IsolationName,
  type Plugin,
  PluginCrashedError,
} from "@sandplug/host";
import { generator, type TempPlugin, tempPlugin } from "./_helpers.ts";
import { CHAOS_PLUGIN, createTally, limiter, type Outcome, sleep } from "./_chaos.ts";

const SEED = Number(Deno.env.get("CHAOS_SEED") ?? 20_240_604);
const PLUGINS = 10;
const CALLS = 10_000;
/** Calls in flight at once. */
const CONCURRENCY = 150;
/** Workload calls issued per second, so that the misbehaviour has time to happen. */
const RATE = 1_000;
/** The bound on waiting for every call to settle, in milliseconds. */
const SETTLE_BOUND_MS = 60_000;

Deno.test("chaos: 10 plugins, 10 000 mixed calls, a third of the plugins crash, hang or exit; every call settles", async () => {
  const started = Date.now();
  console.log(`chaos seed: ${SEED} (replay with CHAOS_SEED=${SEED})`);
  const pickCall = generator(SEED);
  const pickChaos = generator(SEED ^ 0x9e3779b9);
  const choose = <T>(random: () => number, items: readonly T[]): T =>
    items[Math.floor(random() * items.length)];

  // Five plugins per tier; one worker and two process plugins misbehave. A
  // worker plugin never busy-loops: terminate() cannot stop a worker's busy
  // loop on Deno 2.9, so its thread would burn a core for the rest of the run.
  const tiers: IsolationName[] = Array.from(
    { length: PLUGINS },
    (_, index) => index % 2 === 0 ? "worker" : "process",
  );
  const workers = tiers.flatMap((tier, index) => tier === "worker" ? [index] : []);
  const processes = tiers.flatMap((tier, index) => tier === "process" ? [index] : []);
  const chaotic = new Set<number>([choose(pickChaos, workers)]);
  while (chaotic.size < 3) chaotic.add(choose(pickChaos, processes));
  const names = tiers.map((tier, index) =>
    `chaos-${index}-${tier}${chaotic.has(index) ? "-wild" : ""}`
  );

  const folders: TempPlugin[] = [];
  for (const name of names) folders.push(await tempPlugin({ name }, CHAOS_PLUGIN));
  let logLines = 0;
  const host = createHost({
    restart: { maxRestarts: 1000, backoffMs: 5, maxBackoffMs: 50 },
    callTimeoutMs: 1_000,
    loadTimeoutMs: 10_000,
    log: () => logLines++,
  });
  const crashes = new Map<string, string[]>(names.map((name) => [name, []]));
  const restarts = new Map<string, number>(names.map((name) => [name, 0]));
  host.addEventListener("crash", (event) => {
    const { plugin, error } = (event as CustomEvent<HostEventDetail>).detail;
    crashes.get(plugin)?.push(error instanceof PluginCrashedError ? error.reason : String(error));
  });
  host.addEventListener("restart", (event) => {
    const { plugin } = (event as CustomEvent<HostEventDetail>).detail;
    restarts.set(plugin, (restarts.get(plugin) ?? 0) + 1);
  });

  const tally = createTally((plugin) => chaotic.has(plugin));
  const { track } = tally;

  const plugins: Plugin[] = [];
  /** One workload call: quick, throwing, hanging past a short deadline, or aborted. */
  function issue(n: number): Promise<Outcome> {
    const index = Math.floor(pickCall() * plugins.length);
    const plugin = plugins[index];
    const roll = pickCall();
    if (roll < 0.7) {
      const call = plugin.call("ok", [n], { timeoutMs: 500 });
      return track("ok", index, call, { value: (value) => value === n + 1 });
    }
    if (roll < 0.8) {
      const call = plugin.call("fail", [n], { timeoutMs: 500 });
      return track("fail", index, call, {
        threw: (error) =>
          error.remoteName === "TypeError" && error.remoteMessage === `planned failure ${n}`,
      });
    }
    if (roll < 0.9) {
      const timeoutMs = 10 + Math.floor(pickCall() * 40);
      return track("hang", index, plugin.call("hang", [], { timeoutMs }));
    }
    const controller = new AbortController();
    const reason = new DOMException(`chaos abort ${n}`, "AbortError");
    const timer = setTimeout(() => controller.abort(reason), Math.floor(pickCall() * 30));
    const call = plugin.call("hang", [], { signal: controller.signal, timeoutMs: 1_000 });
    return track("abort", index, call.finally(() => clearTimeout(timer)), { reason });
  }

  try {
    for (const [index, folder] of folders.entries()) {
      plugins.push(await host.load(folder.dir, { isolation: tiers[index] }));
    }

    // The misbehaviour, at random moments while the workload runs.
    let running = true;
    const disruptions = (async () => {
      while (running) {
        await sleep(50 + Math.floor(pickChaos() * 250));
        if (!running) break;
        const index = choose(pickChaos, [...chaotic]);
        const actions = tiers[index] === "process" ? ["crash", "spin", "exit"] : ["crash", "exit"];
        const action = choose(pickChaos, actions);
        const timeoutMs = action === "spin" ? 50 : 1_000;
        track(`chaos:${action}`, index, plugins[index].call(action, [], { timeoutMs }), {
          value: (value) => value === "crashing",
        });
      }
    })();

    const slots = limiter(CONCURRENCY);
    for (let n = 0; n < CALLS; n++) {
      await slots.acquire();
      issue(n).finally(() => slots.release());
      const due = started + (n * 1000) / RATE - Date.now();
      if (n % 50 === 0 && due > 0) await sleep(due);
    }
    running = false;
    await disruptions;

    // Calls still waiting when the host closes settle with PluginClosedError
    // (or PluginCrashedError, when their plugin was between a crash and its restart).
    for (const [index, plugin] of plugins.entries()) {
      for (let i = 0; i < 5; i++) {
        track("at-close", index, plugin.call("hang", [], { timeoutMs: 30_000 }));
      }
    }
    await host.close();
    // Once close() has resolved, every call has been told: nothing waits on a timer any more.
    await sleep(0);
    const settledAtClose = tally.settled;

    let bound: ReturnType<typeof setTimeout> | undefined;
    const allSettled = await Promise.race([
      Promise.allSettled(tally.outcomes).then(() => true),
      new Promise<false>((resolve) => bound = setTimeout(() => resolve(false), SETTLE_BOUND_MS)),
    ]);
    clearTimeout(bound);

    const rows: Record<string, Record<string, number>> = {};
    for (const [kind, counts] of [...tally.byKind].sort()) rows[kind] = Object.fromEntries(counts);
    console.table(rows);
    console.log(
      `issued ${tally.issued}, settled ${tally.settled}, log lines ${logLines}, ${
        ((Date.now() - started) / 1000).toFixed(1)
      } s`,
    );
    const summary = names.map((name) => ({
      plugin: name,
      crashes: crashes.get(name)?.length ?? 0,
      restarts: restarts.get(name) ?? 0,
      "not yielding": crashes.get(name)?.filter((reason) => reason.includes("did not yield"))
        .length ?? 0,
    }));
    console.table(summary);
    console.log(
      "quick calls to well-behaved plugins that timed out or crashed (machine stalls):",
      Object.fromEntries(tally.calm),
    );

    assert.ok(
      allSettled,
      `only ${tally.settled} of ${tally.issued} calls settled within ${SETTLE_BOUND_MS} ms`,
    );
    assert.equal(tally.settled, tally.issued);
    assert.equal(
      settledAtClose,
      tally.issued,
      "calls were still pending after host.close() resolved",
    );
    assert.equal(tally.issued, tally.outcomes.length);
    assert.ok(tally.issued >= CALLS + PLUGINS * 5);
    assert.deepEqual(tally.unexpected.slice(0, 10), []);
    assert.deepEqual(host.plugins, []);
    assert.ok(plugins.every((plugin) => plugin.closed));
    const total = (outcome: Outcome) =>
      [...tally.byKind.values()].reduce((sum, counts) => sum + (counts.get(outcome) ?? 0), 0);
    for (
      const outcome of ["fulfilled", "PluginCallError", "PluginTimeoutError", "aborted"] as const
    ) {
      assert.ok(total(outcome) > 0, `no call ended as ${outcome}`);
    }
    assert.ok(total("PluginClosedError") + total("PluginCrashedError") > 0);
    // Calls that do not themselves misbehave return what the plugin gave, even on the plugins
    // that crash, spin or exit around them. Under Deno's parallel test runner on a shared
    // 2-core machine 86–97% do here (those that fail wait behind a spin past their 500 ms
    // deadline); the bound leaves room for stalls. The issue's run below asserts 95%.
    const quick = ["ok", "fail"].map((kind) =>
      tally.byKind.get(kind) ?? new Map<Outcome, number>()
    );
    const answered = (quick[0].get("fulfilled") ?? 0) + (quick[1].get("PluginCallError") ?? 0);
    const made = quick.reduce(
      (sum, counts) => sum + [...counts.values()].reduce((a, b) => a + b),
      0,
    );
    console.log(`quick calls answered: ${answered} of ${made}`);
    assert.ok(answered >= 0.75 * made, `only ${answered} of ${made} quick calls were answered`);
    const wildCrashes = [...chaotic].reduce(
      (sum, index) => sum + (crashes.get(names[index])?.length ?? 0),
      0,
    );
    assert.ok(wildCrashes > 0, "no misbehaving plugin crashed: the chaos did not happen");
    assert.ok([...restarts.values()].some((count) => count > 0));
  } finally {
    await host.close();
    for (const folder of folders) await folder[Symbol.asyncDispose]();
  }
});

/**
 * The run of issue 13, as a new user tried it: 6 plugins × 300 pipelined
 * calls, about 2% of which exit or spin their plugin, with a restart policy.
 * Every call settles; at least 95% of the calls that do not themselves exit
 * or spin return their result; the calls queued behind a fatal one run on the
 * restarted plugin. Spinning worker threads cannot be stopped (SECURITY.md,
 * residual 2) and would keep burning cores for the rest of the run, so the
 * worker tier's chaos calls exit and the process tier's exit or spin.
 */
for (const tier of ["process", "worker"] as const) {
  Deno.test(`chaos, ${tier} tier: 6 × 300 pipelined calls, 2% fatal; at least 95% of the others return`, async () => {
    const PLUGINS = 6;
    const CALLS = 300;
    await using fixture = await tempPlugin(
      {},
      `export const echo = (x) => x;
export function exitNow() { Deno.exit(3); }
export function spin() { for (;;) {} }
`,
    );
    await using host = createHost({
      isolation: tier,
      log: () => {},
      restart: { maxRestarts: 100, backoffMs: 10, maxBackoffMs: 50 },
      callTimeoutMs: 20_000,
      // Six isolates start at once, beside other test files under --parallel on two cores.
      loadTimeoutMs: 60_000,
    });
    let restarts = 0;
    host.addEventListener("restart", () => restarts++);
    const random = generator(1_234);
    const plugins = await Promise.all(
      Array.from({ length: PLUGINS }, () => host.load(fixture.dir)),
    );
    type Made = { chaos: boolean; afterChaos: boolean; call: Promise<unknown>; expected: number };
    const made: Made[] = plugins.flatMap((p) => {
      const calls: Made[] = [];
      let afterChaos = false;
      for (let i = 0; i < CALLS; i++) {
        const roll = random();
        if (roll < 0.02) {
          const symbol = tier === "worker" || roll < 0.01 ? "exitNow" : "spin";
          calls.push({
            chaos: true,
            afterChaos,
            call: p.call(symbol, [], { timeoutMs: 300 }),
            expected: -1,
          });
          afterChaos = true;
        } else {
          calls.push({ chaos: false, afterChaos, call: p.call("echo", [i]), expected: i });
        }
      }
      return calls;
    });
    const settled = await Promise.allSettled(made.map(({ call }) => call));
    const returned = (index: number) =>
      settled[index].status === "fulfilled" &&
      (settled[index] as PromiseFulfilledResult<unknown>).value === made[index].expected;
    const ordinary = made.flatMap((call, index) => call.chaos ? [] : [index]);
    const queued = ordinary.filter((index) => made[index].afterChaos);
    const delivered = ordinary.filter(returned).length;
    const rerun = queued.filter(returned).length;
    console.log(
      `${tier}: ${made.length - ordinary.length} fatal calls, ${restarts} restarts; ` +
        `${delivered} of ${ordinary.length} ordinary calls returned, ` +
        `${rerun} of ${queued.length} made after a fatal one`,
    );
    assert.equal(settled.length, made.length, "every call settled");
    assert.ok(made.length > ordinary.length, "the run has fatal calls");
    assert.ok(restarts > 0, "the plugins were restarted");
    assert.ok(
      delivered >= 0.95 * ordinary.length,
      `${delivered} of ${ordinary.length} ordinary calls returned their result`,
    );
    assert.ok(
      rerun >= 0.95 * queued.length,
      `${rerun} of ${queued.length} calls queued behind a fatal one ran after the restart`,
    );
  });
}
