/**
 * Plugin text on the host's terminal (issue 9, items 7, 10 and 12): every
 * line is tagged with the plugin's name, control characters are escaped, a
 * line's length and a plugin's log rate are bounded, and a log level outside
 * the known set never reaches the log sink. The attacks run in a child host,
 * whose real stderr is what is checked.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { IsolationName, LogLevel, PluginLogEntry } from "@sandplug/host";
import { tempPlugin } from "../_helpers.ts";
import { type ChildResult, ROOT, runChildHost } from "./_child_host.ts";
import { PluginHost } from "../../src/host/host.ts";
import type { IsolationTier } from "../../src/isolation/types.ts";
import { workerTier } from "../../src/isolation/worker/tier.ts";
import { processTier } from "../../src/isolation/process/tier.ts";

const TIERS: IsolationName[] = ["worker", "process"];
const LEVELS: readonly string[] = ["debug", "info", "log", "warn", "error"];
// deno-lint-ignore no-control-regex
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** A child host that loads `code` as plugin "hostile" in `tier`, then runs `body`. */
function script(tier: IsolationName, code: string, body: string, extra = ""): string {
  return `
import { createHost } from "@sandplug/host";
import { tempPlugin } from ${JSON.stringify(join(ROOT, "tests/_helpers.ts"))};
await using fixture = await tempPlugin({ name: "hostile" }, ${JSON.stringify(code)});
${extra}
await using host = createHost({ isolation: ${JSON.stringify(tier)}, callTimeoutMs: 20_000 });
const plugin = await host.load(fixture.dir);
${body}
console.log("host alive");
`;
}

/** The child's stderr lines that are not empty (the last line break leaves one). */
function stderrLines(result: ChildResult): string[] {
  return result.stderr.split("\n").filter((line) => line !== "");
}

function assertAlive(result: ChildResult): void {
  assert.equal(result.code, 0, `exit ${result.code}\n${result.stderr.slice(-2000)}`);
  assert.match(result.stdout, /host alive/);
}

const FORGER = `
import process from "node:process";
const enc = new TextEncoder();
export function forge(): string {
  console.log("ok\\r[billing] charged card 4242: OK");
  console.log("ok\\n[billing] charged card 4242: OK");
  console.error("ok\\r\\n[billing] charged card 4242: OK\\u2028[billing] again");
  console.log("title \\x1b]0;pwned\\x07 clipboard \\x1b]52;c;cHduZWQ=\\x07 clear \\x1b[2J\\x1b[H erase \\x1b[2K");
  console.log("c1 csi \\x9b2J bell \\x07 del \\x7f bidi \\u202eevil\\u202c isolate \\u2066x\\u2069");
  console.log("%s", "formatted \\x1b[31mred\\x1b[0m \\r[billing] charged card 4242: OK");
  console.clear();
  console.count("\\x1b]0;count-title\\x07");
  console.assert(false, "\\x1b[2K\\r[billing] charged card 4242: OK");
  console.group("\\x1b]0;group\\x07");
  console.groupEnd();
  console.timeLog("\\x1b[2J");
  const raw = "raw \\x1b]0;raw-title\\x07\\r[billing] charged card 4242: OK\\n";
  Deno.stderr.writeSync(enc.encode(raw));
  Deno.stdout.writeSync(enc.encode(raw));
  try { process.stderr.write(raw); } catch {}
  try {
    const deno = Deno as unknown as Record<symbol, { core: { print(text: string, error: boolean): void } }>;
    deno[(Deno as unknown as { internal: symbol }).internal].core.print(raw, true);
  } catch {}
  return "forged";
}
export function fail(): never {
  throw new Error("boom\\r\\n[billing] charged card 4242: OK \\x1b]52;c;cHduZWQ=\\x07\\x1b[2J");
}`;

for (const tier of TIERS) {
  Deno.test(`[${tier}] plugin log text cannot forge an untagged line or reach the terminal raw`, async () => {
    const result = await runChildHost(script(
      tier,
      FORGER,
      `
console.log("result", await plugin.call("forge"));
await new Promise((resolve) => setTimeout(resolve, 200));`,
    ));
    assertAlive(result);
    assert.match(result.stdout, /result forged/);
    // The host's stdout is the host program's: nothing of the plugin's reaches it.
    assert.doesNotMatch(result.stdout, RAW_CONTROL);
    assert.doesNotMatch(result.stdout, /billing|raw/);
    const lines = stderrLines(result);
    assert.ok(lines.length >= 8, result.stderr);
    for (const line of lines) {
      // Each line is the plugin's, tagged; none is a line of its own, and none drives the terminal.
      assert.ok(line.startsWith("[hostile] "), `untagged line: ${JSON.stringify(line)}`);
      assert.doesNotMatch(line, RAW_CONTROL, `raw control character in ${JSON.stringify(line)}`);
    }
    assert.ok(lines.some((line) => line.includes("[billing] charged card 4242: OK")));
    assert.ok(lines.includes("[hostile] [billing] charged card 4242: OK"));
    assert.ok(lines.some((line) => line.includes("\\x1b]52;c;cHduZWQ=\\x07")), result.stderr);
    assert.ok(lines.some((line) => line.includes("\\u202eevil")), result.stderr);
  });

  Deno.test(`[${tier}] the log event and log sink get neutralised lines at known levels`, async () => {
    const result = await runChildHost(script(
      tier,
      FORGER,
      `
const entries = [];
host.addEventListener("log", (event) => entries.push(event.detail));
await plugin.call("forge");
await new Promise((resolve) => setTimeout(resolve, 200));
console.log(JSON.stringify(entries));`,
    ));
    assertAlive(result);
    const entries: PluginLogEntry[] = JSON.parse(result.stdout.split("\n")[0]);
    assert.ok(entries.length >= 8, result.stdout);
    for (const entry of entries) {
      assert.ok(LEVELS.includes(entry.level), entry.level);
      assert.doesNotMatch(entry.message, RAW_CONTROL, JSON.stringify(entry.message));
      assert.doesNotMatch(entry.message, /\n/);
    }
  });

  Deno.test(`[${tier}] a plugin's error text is neutralised in PluginCallError.message`, async () => {
    const result = await runChildHost(script(
      tier,
      FORGER,
      `
try {
  await plugin.call("fail");
} catch (error) {
  console.log("message", JSON.stringify(error.message));
  console.log("remote", JSON.stringify(error.remoteMessage));
}`,
    ));
    assertAlive(result);
    const message: string = JSON.parse(result.stdout.match(/^message (.*)$/m)![1]);
    const remote: string = JSON.parse(result.stdout.match(/^remote (.*)$/m)![1]);
    // What gets printed is one line with no control character; the raw text stays for programs.
    assert.doesNotMatch(message, RAW_CONTROL);
    assert.doesNotMatch(message, /\n/);
    assert.match(message, /boom\\r\\n\[billing\] charged card 4242: OK \\x1b\]52;c;cHduZWQ=\\x07/);
    assert.match(remote, /^boom\r\n\[billing\]/);
  });

  Deno.test(`[${tier}] a plugin's text is neutralised in load and crash errors`, async () => {
    const result = await runChildHost(`
import { createHost } from "@sandplug/host";
import { tempPlugin } from ${JSON.stringify(join(ROOT, "tests/_helpers.ts"))};
await using failing = await tempPlugin({ name: "failing" },
  'throw new Error("top \\\\x1b]0;title\\\\x07\\\\n[billing] charged card 4242: OK");');
await using crashing = await tempPlugin({ name: "crashing" },
  'export function go() { setTimeout(() => { throw new Error("late \\\\x1b[2J\\\\n[billing] OK"); }); }');
await using host = createHost({ isolation: ${JSON.stringify(tier)} });
try { await host.load(failing.dir); } catch (error) { console.log("load", JSON.stringify(error.message)); }
const plugin = await host.load(crashing.dir);
const crashed = new Promise((resolve) => host.addEventListener("crash", (event) => resolve(event.detail.error.message)));
await plugin.call("go");
console.log("crash", JSON.stringify(await crashed));
console.log("host alive");`);
    assertAlive(result);
    for (const what of ["load", "crash"]) {
      const message: string = JSON.parse(
        result.stdout.match(new RegExp(`^${what} (.*)$`, "m"))![1],
      );
      assert.doesNotMatch(message, RAW_CONTROL, `${what}: ${JSON.stringify(message)}`);
      assert.doesNotMatch(message, /\n/, `${what}: ${JSON.stringify(message)}`);
    }
  });

  Deno.test(`[${tier}] a log line of 2^29-24 characters neither ends the host nor the plugin`, async () => {
    const result = await runChildHost(
      script(
        tier,
        `export function attack() { console.log("x".repeat(2 ** 29 - 24)); return "sent"; }
         export function ok() { return "ok"; }`,
        `
console.log("attack", await plugin.call("attack"));
console.log("after", await plugin.call("ok"));`,
      ),
      [],
      60_000,
    );
    // Before: the worker tier's host exited 1 (RangeError: Invalid string length in its stderr
    // writer); the process tier's plugin crashed (a frame over the 128 MiB limit).
    assertAlive(result);
    assert.match(result.stdout, /attack sent\nafter ok/);
    const lines = stderrLines(result);
    assert.equal(lines.length, 1, result.stderr.slice(0, 500));
    assert.match(lines[0], /^\[hostile\] x+… \(\d+ more characters\)$/);
    assert.ok(lines[0].length < 20_000, `${lines[0].length} characters`);
  });
}

const FLOODER = `
const enc = new TextEncoder();
export function flood(ms: number, raw: boolean): number {
  const end = Date.now() + ms;
  let i = 0;
  if (raw) while (Date.now() < end) Deno.stderr.writeSync(enc.encode("raw flood " + i++ + "\\n"));
  else while (Date.now() < end) console.log("flood line " + i++);
  return i;
}`;

/** A host whose plugin floods its log for 2 s while a sibling is called every 20 ms. */
function floodScript(tier: IsolationName, raw: boolean): string {
  return script(
    tier,
    FLOODER,
    `
const sibling = await host.load(siblingFixture.dir);
// Before: a 3 s flood took the worker-tier host about 13 s to drain, and the flood's own reply
// queued behind it; sibling calls took 1.1-1.9 s and timers lagged about 2 s.
const flood = plugin.call("flood", [2000, ${raw}], { timeoutMs: 6000 });
let floodDone = false;
flood.finally(() => floodDone = true).catch(() => {});
let calls = 0;
while (!floodDone) {
  await sibling.call("add", [calls, 1], { timeoutMs: 1000 });
  calls++;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
console.log("flooded", await flood, "sibling calls", calls);
await new Promise((resolve) => setTimeout(resolve, 1100));`,
    `await using siblingFixture = await tempPlugin({ name: "sibling" },
  "export function add(a: number, b: number) { return a + b; }");`,
  );
}

function assertBoundedFlood(result: ChildResult): void {
  assertAlive(result);
  const [, flooded, calls] = result.stdout.match(/flooded (\d+) sibling calls (\d+)/) ?? [];
  assert.ok(Number(flooded) > 20_000, result.stdout);
  assert.ok(Number(calls) > 0, result.stdout);
  const lines = stderrLines(result);
  // The budget is 10,000 lines at once, then 1,000 a second: 2 s of flood shows at most ~12,000.
  assert.ok(lines.length < 14_000, `${lines.length} lines`);
  assert.ok(lines.every((line) => line.startsWith("[hostile] ")));
  const notices = lines.filter((line) =>
    /^\[hostile\] \d+ log lines dropped \(rate limit\)$/.test(line)
  );
  assert.ok(notices.length >= 1, result.stderr.slice(-500));
  const dropped = notices.reduce((sum, line) => sum + Number(line.match(/\d+/)![0]), 0);
  assert.ok(dropped > Number(flooded) / 2, `${dropped} dropped of ${flooded}`);
}

for (const tier of TIERS) {
  Deno.test(`[${tier}] a console.log flood is dropped with a notice and stalls no sibling`, async () => {
    assertBoundedFlood(await runChildHost(floodScript(tier, false), [], 60_000));
  });
}

Deno.test("[process] a raw stderr flood, past the runtime's budget, meets the host's", async () => {
  assertBoundedFlood(await runChildHost(floodScript("process", true), [], 60_000));
});

/** A tier that also reports, as the tier's own log lines, text at a level no console has. */
function forgingTier(base: IsolationTier): IsolationTier {
  return {
    ...base,
    start(spec, events) {
      const isolate = base.start(spec, events);
      events.log?.("FORGED-LEVEL" as LogLevel, "forged \x1b]0;title\x07\nsecond line");
      return isolate;
    },
  };
}

Deno.test("a log level outside the known set never reaches the log sink as it is", async () => {
  await using fixture = await tempPlugin({}, "export function hi() { console.warn('hi'); }");
  for (const base of [workerTier, processTier]) {
    const entries: PluginLogEntry[] = [];
    const events: string[] = [];
    await using host = new PluginHost(
      { isolation: base.name as IsolationName, log: (entry) => entries.push(entry) },
      { [base.name]: forgingTier(base) },
    );
    host.addEventListener("log", (event) => {
      events.push((event as CustomEvent<PluginLogEntry>).detail.level);
    });
    const plugin = await host.load(fixture.dir);
    await plugin.call("hi");
    assert.deepEqual(entries.map((entry) => [entry.level, entry.message]), [
      ["log", "forged \\x1b]0;title\\x07"],
      ["log", "second line"],
      ["warn", "hi"],
    ]);
    assert.deepEqual(events, ["log", "log", "warn"]);
  }
});
