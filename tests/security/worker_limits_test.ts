/**
 * Pins what the worker tier cannot contain on Deno 2.9 (SECURITY.md,
 * "Residual risks"). Each runs in a child host. When a Deno upgrade fixes one,
 * its test fails: update SECURITY.md and the option docs, then the test.
 */
import assert from "node:assert/strict";
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

Deno.test("worker tier limit: node:process kill() still reaches the host", async () => {
  const code = `
import process from "node:process";
export function attack() { process.kill(process.pid, "SIGKILL"); }`;
  const result = await runChildHost(attackScript(code, "worker"));
  assert.equal(result.signal, "SIGKILL");
  assert.doesNotMatch(result.stdout, /host alive/);
});

Deno.test("worker tier limit: terminate() does not stop a busy loop, which keeps burning a core", async () => {
  const code = `export function attack() { for (;;) {} }`;
  const after = `
await plugin.close();
const cpu = () => Number(Deno.readTextFileSync("/proc/self/stat").split(" ")[13]);
const before = cpu();
await new Promise((resolve) => setTimeout(resolve, 1000));
console.log("cpu ticks after close", cpu() - before);
Deno.exit(0);
`;
  const result = await runChildHost(attackScript(code, "worker", after));
  assert.match(result.stdout, /attack failed PluginTimeoutError/);
  const ticks = Number(result.stdout.match(/cpu ticks after close (\d+)/)?.[1]);
  // About 100 ticks a second is one core kept busy by the loop that terminate() could not stop; a
  // stopped loop makes ~0. The bound is low because a loaded 2-core machine shares that core.
  assert.ok(ticks > 20, `expected the loop to keep running after close, saw ${ticks} ticks in 1 s`);
});
