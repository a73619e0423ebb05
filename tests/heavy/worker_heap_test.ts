/**
 * Heavy: needs seconds of CPU and about 4 GB of memory, so it runs in its own
 * task (`deno task test:heavy`), which CI runs with a time bound. Pins the
 * worker tier's heap limit: on Deno 2.9 a worker that exhausts the V8 heap
 * aborts the whole host process.
 */
import assert from "node:assert/strict";
import { attackScript, runChildHost } from "../security/_child_host.ts";

const HEAP_BOMB = `
export function attack() {
  const hoard = [];
  for (;;) hoard.push(new Array(1_000_000).fill(Math.random()));
}`;

Deno.test("worker tier limit: a plugin that exhausts the heap aborts the host process", async () => {
  const result = await runChildHost(attackScript(HEAP_BOMB, "worker", "", 100_000), [], 120_000);
  assert.match(result.stdout, /^loaded$/m);
  assert.doesNotMatch(result.stdout, /host alive/);
  assert.notEqual(result.code, 0);
  assert.ok(
    result.signal === "SIGTRAP" || result.signal === "SIGABRT" || /heap/i.test(result.stderr),
    result.stderr,
  );
});
