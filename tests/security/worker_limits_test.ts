/**
 * Pins what the worker tier cannot contain on Deno 2.9 (SECURITY.md,
 * "Residual risks"), each in a child host: when a Deno upgrade fixes one, its
 * test fails; update SECURITY.md and the option docs, then the test. Also
 * shows `node:process`'s `kill()`, once residual 1, blocked on every route.
 */
import assert from "node:assert/strict";
import { createHost, PluginCallError } from "@sandplug/host";
import { tempPlugin } from "../_helpers.ts";
import { attackScript, runChildHost } from "./_child_host.ts";

Deno.test("worker tier limit: a nested worker from node:worker_threads can still kill the host", async () => {
  const code = `
import { Worker } from "node:worker_threads";
export function attack() {
  new Worker("Deno.kill(Deno.pid, 'SIGKILL')", { eval: true });
  return new Promise(() => {});
}`;
  const result = await runChildHost(attackScript(code, "worker"));
  assert.match(result.stdout, /^loaded$/m);
  assert.doesNotMatch(result.stdout, /host alive/);
  assert.equal(result.signal, "SIGKILL", `the host was killed: ${result.stdout}${result.stderr}`);
});

Deno.test("worker tier: node:process kill(pid, SIGKILL) no longer reaches the host", async () => {
  const code = `
import process from "node:process";
export function attack() { process.kill(process.pid, "SIGKILL"); }`;
  const result = await runChildHost(attackScript(code, "worker"));
  assert.equal(result.signal, null, `the host was killed: ${result.stdout}${result.stderr}`);
  assert.match(result.stdout, /attack failed PluginCallError .*Cannot signal pid \d+/);
  assert.match(result.stdout, /^host alive$/m);
});

// Signal 0 only asks whether a process exists, so a route left open answers "signalled" here
// instead of ending the test process.
const KILL_PROBES = `
import process, { kill } from "node:process";
import { createRequire } from "node:module";

const pid = Deno.pid;
const require = createRequire(import.meta.url);
const importProcess = (async () => {}).constructor("return import('node:' + 'process')");
const routes = {
  "globalThis.process.kill": () => globalThis.process.kill(pid, 0),
  "default import kill": () => process.kill(pid, 0),
  "named import kill": () => kill(pid, 0),
  "process._kill": () => process._kill(pid, 0),
  'require("process")': () => require("process").kill(pid, 0),
  'require("node:process")': () => require("node:process").kill(pid, 0),
  'process.getBuiltinModule("process")': () => process.getBuiltinModule("process").kill(pid, 0),
  "import() built by the Function constructor": async () => (await importProcess()).default.kill(pid, 0),
  "the named export of a computed import": async () => (await importProcess()).kill(pid, 0),
  "pid 0 (its process group)": () => process.kill(0, 0),
  "a negative pid (the host's process group)": () => process.kill(-pid, 0),
  "pid -1 (every process)": () => process.kill(-1, 0),
  "the pid plus 2 ** 32, which the op wraps": () => process._kill(pid + 2 ** 32, 0),
  "the pid as a bigint": () => process._kill(BigInt(pid), 0),
  "an object whose valueOf is the pid": () => process._kill({ valueOf: () => pid }, 0),
  "another pid, left to Deno's run permission": () => process.kill(1, 0),
};

export async function probe(route) {
  return \`signalled: \${await routes[route]()}\`;
}

export function tamper() {
  const tries = [
    () => Object.defineProperty(process, "_kill", { value: () => 0 }),
    () => Object.defineProperty(process, "kill", { value: () => true }),
    () => delete process._kill,
    () => delete process.kill,
    () => { process._kill = () => 0; },
    () => { process.kill = () => true; },
  ];
  return tries.map((attempt) => {
    try {
      attempt();
      return "done";
    } catch (error) {
      return error.name;
    }
  });
}
`;

const HOST_REFUSED = /^NotCapable: Cannot signal pid -?\d+: plugins may not signal the host/;
const NOT_A_NUMBER = /^TypeError: Cannot signal a process: the pid is a (bigint|object)/;
const KILL_ROUTES: [string, RegExp][] = [
  ["globalThis.process.kill", HOST_REFUSED],
  ["default import kill", HOST_REFUSED],
  ["named import kill", HOST_REFUSED],
  ["process._kill", HOST_REFUSED],
  ['require("process")', HOST_REFUSED],
  ['require("node:process")', HOST_REFUSED],
  ['process.getBuiltinModule("process")', HOST_REFUSED],
  ["import() built by the Function constructor", HOST_REFUSED],
  ["the named export of a computed import", HOST_REFUSED],
  ["pid 0 (its process group)", HOST_REFUSED],
  ["a negative pid (the host's process group)", HOST_REFUSED],
  ["pid -1 (every process)", HOST_REFUSED],
  ["the pid plus 2 ** 32, which the op wraps", HOST_REFUSED],
  ["the pid as a bigint", NOT_A_NUMBER],
  ["an object whose valueOf is the pid", NOT_A_NUMBER],
  ["another pid, left to Deno's run permission", /^NotCapable: Requires run access/],
];

function outcome(error: unknown): string {
  if (error instanceof PluginCallError) return `${error.remoteName}: ${error.remoteMessage}`;
  throw error;
}

Deno.test("worker tier: node:process kill() refuses the host's pid and process groups on every route", async (t) => {
  await using fixture = await tempPlugin({ name: "killer" }, KILL_PROBES);
  await using host = createHost({ isolation: "worker" });
  const plugin = await host.load(fixture.dir);
  for (const [route, expected] of KILL_ROUTES) {
    await t.step(route, async () => {
      const result = await plugin.call("probe", [route]).then(String, outcome);
      assert.match(result, expected);
    });
  }
  await t.step("defineProperty, delete and assignment cannot swap kill or _kill back", async () => {
    assert.deepEqual(await plugin.call("tamper", []), new Array(6).fill("TypeError"));
    assert.match(await plugin.call("probe", ["process._kill"]).then(String, outcome), HOST_REFUSED);
    assert.match(
      await plugin.call("probe", ["named import kill"]).then(String, outcome),
      HOST_REFUSED,
    );
  });
});

Deno.test("worker tier limit: terminate() does not stop a busy loop, which keeps burning a core", async () => {
  const code = `export function attack() { for (;;) {} }`;
  const after = `
await plugin.close();
const cpu = () => Number(Deno.readTextFileSync("/proc/self/stat").split(" ")[13]);
const before = cpu();
await new Promise((resolve) => setTimeout(resolve, 2000));
console.log("cpu ticks after close", cpu() - before);
Deno.exit(0);
`;
  const result = await runChildHost(attackScript(code, "worker", after));
  assert.match(result.stdout, /attack failed PluginTimeoutError/);
  const ticks = Number(result.stdout.match(/cpu ticks after close (\d+)/)?.[1]);
  // About 200 ticks in 2 s is one core kept busy by the loop that terminate() could not stop; a
  // stopped loop makes ~0. The bound is low because a loaded 2-core machine shares that core (10
  // ticks a second were seen with other test files and builds running beside it).
  assert.ok(ticks > 8, `expected the loop to keep running after close, saw ${ticks} ticks in 2 s`);
});
