/**
 * Failure messages tell the truth (issue 13): every timeout, crash and close
 * names the time that really passed since the call (load, stream item) was
 * made, as measured, and its real cause: a deadline, a plugin that answered
 * no ping, one that exited, a close, a restart that did not come in time or
 * gave up. Timings are never asserted exactly: only that the numbers named
 * are the measured ones (at least the deadline; far under it for calls that
 * never ran).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createHost,
  PluginClosedError,
  PluginCrashedError,
  PluginLoadError,
  PluginTimeoutError,
} from "../mod.ts";
import { tempPlugin } from "./_helpers.ts";

const PLUGIN = `import { host } from "@sandplug/host/plugin";
export const echo = (x) => x;
export const hang = () => new Promise(() => {});
/** Busy for ms, then returns: a stuck worker cannot be terminated, so its spin must end on its own. */
export function spin(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
  return "done";
}
export async function slow() {
  await new Promise((resolve) => setTimeout(resolve, 60_000));
}
export function exitNow(code) {
  Deno.exit(code);
}
export async function* ticks() {
  yield 1;
  yield 2;
  await new Promise(() => {});
}
export async function askHost(timeoutMs) {
  try {
    await host.call("never", [], { timeoutMs });
    return "answered";
  } catch (error) {
    return error.name + ": " + error.message;
  }
}
`;

const MANIFEST = { host: ["never"] };
const PROVIDE = { never: () => new Promise(() => {}) };

/** The number a message names after `prefix`, e.g. `no answer after (\d+) ms`. */
function named(message: string, pattern: RegExp): number {
  const match = message.match(pattern);
  assert.ok(match, `${pattern} in: ${message}`);
  return Number(match[1]);
}

/** The rejection of `promise`, which must reject; handled from now on. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  const [settled] = await Promise.allSettled([promise]);
  assert.equal(settled.status, "rejected", "the promise rejected");
  return (settled as PromiseRejectedResult).reason;
}

for (const tier of ["process", "worker", "inline"] as const) {
  Deno.test(`${tier} tier: a call past its deadline names the deadline and the time it waited`, async () => {
    await using fixture = await tempPlugin(MANIFEST, PLUGIN);
    await using host = createHost({ isolation: tier, log: () => {} });
    const p = await host.load(fixture.dir, { provide: PROVIDE });
    const error = await failure(p.call("hang", [], { timeoutMs: 100 }));
    assert.ok(error instanceof PluginTimeoutError, String(error));
    assert.equal(error.timeoutMs, 100);
    const waited = named(
      error.message,
      /did not answer "hang" within 100 ms, its deadline: no answer after (\d+) ms; raise the deadline/,
    );
    assert.equal(error.elapsedMs, waited);
    assert.ok(waited >= 100, `waited ${waited} ms, at least the deadline`);
  });

  Deno.test(`${tier} tier: a host call's timeout in the plugin names the time it waited`, async () => {
    await using fixture = await tempPlugin(MANIFEST, PLUGIN);
    await using host = createHost({ isolation: tier, log: () => {} });
    const p = await host.load(fixture.dir, { provide: PROVIDE });
    const message = String(await p.call("askHost", [80]));
    const waited = named(
      message,
      /^HostCallTimeoutError: the host did not answer "never" within 80 ms, its deadline: no answer after (\d+) ms; pass a longer timeoutMs/,
    );
    assert.ok(waited >= 80, `waited ${waited} ms`);
  });

  Deno.test(`${tier} tier: a stream's idle deadline names the wait for the item and the items before`, async () => {
    await using fixture = await tempPlugin(MANIFEST, PLUGIN);
    await using host = createHost({ isolation: tier, log: () => {} });
    const p = await host.load(fixture.dir, { provide: PROVIDE });
    const reader = p.stream("ticks", [], { timeoutMs: 120 }).getReader();
    assert.deepEqual(await reader.read(), { done: false, value: 1 });
    assert.deepEqual(await reader.read(), { done: false, value: 2 });
    const error = await failure(reader.read());
    assert.ok(error instanceof PluginTimeoutError, String(error));
    const waited = named(
      error.message,
      /within 120 ms, its deadline: no answer after (\d+) ms; its stream sent no next item in time \(2 items before\)/,
    );
    assert.ok(waited >= 120, `waited ${waited} ms`);
  });

  Deno.test(`${tier} tier: a call the close cuts short says when it was made`, async () => {
    await using fixture = await tempPlugin(MANIFEST, PLUGIN);
    await using host = createHost({ isolation: tier, log: () => {} });
    const p = await host.load(fixture.dir, { provide: PROVIDE });
    const pending = failure(p.call("hang", [], { timeoutMs: 30_000 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await p.close();
    const error = await pending;
    assert.ok(error instanceof PluginClosedError, String(error));
    const ago = named(
      error.message,
      /^Cannot use "hang": plugin "test-plugin" was closed (\d+) ms after the request, before its answer/,
    );
    assert.equal(error.elapsedMs, ago);
    assert.ok(ago >= 50 && ago < 30_000, `closed ${ago} ms after the call`);
  });
}

for (const tier of ["process", "worker"] as const) {
  Deno.test(`${tier} tier: a stuck plugin's calls name the ping deadline and when they were made`, async () => {
    await using fixture = await tempPlugin(MANIFEST, PLUGIN);
    await using host = createHost({ isolation: tier, log: () => {} });
    const crashes: PluginCrashedError[] = [];
    host.addEventListener("crash", (event) => crashes.push(event.detail.error));
    const p = await host.load(fixture.dir, { provide: PROVIDE });
    await p.call("echo", [0]);
    const slow = failure(p.call("slow", [], { timeoutMs: 30_000 }));
    // Known to have started (the runtime says so) before the spin begins.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const spinning = failure(p.call("spin", [3_000], { timeoutMs: 200 }));
    const queued = [1, 2, 3].map((i) => failure(p.call("echo", [i], { timeoutMs: 30_000 })));

    const timedOut = await spinning;
    assert.ok(timedOut instanceof PluginTimeoutError, String(timedOut));
    assert.ok(
      named(timedOut.message, /within 200 ms, its deadline: no answer after (\d+) ms/) >= 200,
    );

    const PING =
      /it did not yield: it answered no ping within 500 ms after "spin" passed its 200 ms deadline \((\d+) ms after that call was made\), so it was ended as stuck/;
    for (const call of queued) {
      const error = await call;
      assert.ok(error instanceof PluginCrashedError, String(error));
      assert.equal(error.started, false);
      assert.match(error.message, PING);
      // Not the 30000 ms deadline: the time since the call was made, which is far less.
      const ago = named(
        error.message,
        /the call, sent (\d+) ms before, never ran, so it is safe to retry/,
      );
      assert.equal(error.elapsedMs, ago);
      assert.ok(ago >= 200 && ago < 30_000, `sent ${ago} ms before`);
      assert.doesNotMatch(error.message, /30000/);
    }
    const started = await slow;
    assert.ok(started instanceof PluginCrashedError, String(started));
    assert.equal(started.started, true);
    assert.match(started.message, PING);
    assert.ok(named(started.message, /the call, sent (\d+) ms before, had started/) >= 250);

    assert.equal(crashes.length, 1);
    // The probe answers 500 ms after the 200 ms deadline passed, at the soonest.
    assert.ok(named(crashes[0].reason, PING) >= 700, crashes[0].reason);
  });

  Deno.test(`${tier} tier: a plugin that exits names its exit and when each call was made`, async () => {
    await using fixture = await tempPlugin(MANIFEST, PLUGIN);
    await using host = createHost({ isolation: tier, log: () => {} });
    const p = await host.load(fixture.dir, { provide: PROVIDE });
    await p.call("echo", [0]);
    const exiting = failure(p.call("exitNow", [3], { timeoutMs: 30_000 }));
    const after = failure(p.call("echo", [1], { timeoutMs: 30_000 }));
    const EXIT = tier === "process" ? /its process exited with code 3/ : /called Deno\.exit\(3\)/;

    const exited = await exiting;
    assert.ok(exited instanceof PluginCrashedError, String(exited));
    assert.match(exited.reason, EXIT);
    assert.ok(exited.started);
    const ago = named(
      exited.message,
      /the call, sent (\d+) ms before, had started, and is not run again/,
    );
    assert.equal(exited.elapsedMs, ago);
    assert.ok(ago < 30_000);

    const never = await after;
    assert.ok(never instanceof PluginCrashedError, String(never));
    assert.match(never.message, EXIT);
    assert.equal(never.started, false);
    assert.match(never.message, /the call, sent \d+ ms before, never ran, so it is safe to retry/);
  });

  Deno.test(`${tier} tier: calls that wait for a restart past their deadline say they never ran`, async () => {
    await using fixture = await tempPlugin(MANIFEST, PLUGIN);
    await using host = createHost({
      isolation: tier,
      log: () => {},
      restart: { maxRestarts: 1, backoffMs: 1_500 },
    });
    const p = await host.load(fixture.dir, { provide: PROVIDE });
    await p.call("echo", [0]);
    const exiting = failure(p.call("exitNow", [3]));
    // Queued behind the exit: it never starts, and waits for the restart.
    const queued = failure(p.call("echo", [1], { timeoutMs: 300 }));
    await exiting;
    // Made while the restart is under way.
    const during = failure(p.call("echo", [2], { timeoutMs: 200 }));

    const late = await queued;
    assert.ok(late instanceof PluginTimeoutError, String(late));
    const waited = named(
      late.message,
      /within 300 ms, its deadline: no answer after (\d+) ms; it never ran: the plugin crashed before it started it, and was not restarted within the deadline/,
    );
    assert.ok(waited >= 300, `waited ${waited} ms`);

    const waiting = await during;
    assert.ok(waiting instanceof PluginTimeoutError, String(waiting));
    const waitedToo = named(
      waiting.message,
      /within 200 ms, its deadline: no answer after (\d+) ms; it never ran: it waited for the plugin's restart after a crash/,
    );
    assert.ok(waitedToo >= 200, `waited ${waitedToo} ms`);
  });

  Deno.test(`${tier} tier: calls waiting for a restart that gives up say so, and that they never ran`, async () => {
    await using fixture = await tempPlugin(MANIFEST, PLUGIN);
    await using host = createHost({
      isolation: tier,
      log: () => {},
      restart: { maxRestarts: 1, backoffMs: 300 },
    });
    const p = await host.load(fixture.dir, { provide: PROVIDE });
    await p.call("echo", [0]);
    // From now on the plugin fails to load: its restart gives up.
    await Deno.writeTextFile(
      join(fixture.dir, "mod.ts"),
      'throw new Error("broken on purpose");\n',
    );
    const exiting = failure(p.call("exitNow", [3]));
    const queued = failure(p.call("echo", [1], { timeoutMs: 30_000 }));
    await exiting;
    const during = failure(p.call("echo", [2], { timeoutMs: 30_000 }));
    for (const call of [queued, during]) {
      const error = await call;
      assert.ok(error instanceof PluginCrashedError, String(error));
      assert.equal(error.started, false);
      assert.match(
        error.reason,
        /exit.*3.*, and restarting it gave up after 1 try \(the last: Cannot load plugin "test-plugin": .*broken on purpose/,
      );
      const ago = named(error.message, /the call, sent (\d+) ms before, never ran/);
      assert.ok(ago >= 300 && ago < 30_000, `sent ${ago} ms before`);
    }
  });

  Deno.test(`${tier} tier: a load past its deadline names the time it waited`, async () => {
    await using fixture = await tempPlugin({}, "await new Promise(() => {});\n");
    await using host = createHost({ isolation: tier, log: () => {}, loadTimeoutMs: 300 });
    const error = await failure(host.load(fixture.dir));
    assert.ok(error instanceof PluginLoadError, String(error));
    const waited = named(
      error.message,
      /it did not finish loading within 300 ms, its deadline: no answer after (\d+) ms; check its entry module/,
    );
    assert.ok(waited >= 300, `waited ${waited} ms`);
  });
}
