/**
 * What a subverted runtime can send the other way is hostile input too: host
 * calls to functions it was not given, under ids it reuses, in floods, by
 * references that expired, and batches whose order it forges. A scripted
 * tier plays such a runtime; the host answers or ends the plugin, and
 * survives.
 */
import assert from "node:assert/strict";
import { type HostEventDetail, type IsolationName, PluginCrashedError } from "@sandplug/host";
import { PluginHost } from "../../src/host/host.ts";
import { PROTOCOL_VERSION } from "../../src/wire/protocol_version.ts";
import { HOST_CALL, HOST_ERR } from "../../src/wire/records.ts";
import { tempPlugin } from "../_helpers.ts";
import { scriptedTier } from "./_scripted_tier.ts";

const READY = { type: "ready", protocol: PROTOCOL_VERSION, symbols: [] };

async function run(script: unknown[], maxConcurrentHostCalls = 64) {
  const fixture = await tempPlugin({ name: "scripted", host: ["wait"] });
  const received: unknown[][] = [];
  const { tier } = scriptedTier(() => READY, () => script, 20, received);
  const host = new PluginHost(
    { isolation: "scripted" as IsolationName, maxConcurrentHostCalls },
    { scripted: tier },
  );
  const denied: HostEventDetail[] = [];
  host.addEventListener("denied", (e) => denied.push((e as CustomEvent<HostEventDetail>).detail));
  let crash: PluginCrashedError | undefined;
  host.addEventListener("crash", (e) => crash = (e as CustomEvent).detail.error);
  let running = 0;
  await host.load(fixture.dir, {
    provide: {
      wait: () => {
        running++;
        return new Promise(() => {});
      },
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 150));
  const answers = received.flat();
  const result = { crash, denied, answers, running: () => running };
  await host.close();
  await fixture[Symbol.asyncDispose]();
  return result;
}

const batch = (records: unknown[], order?: number) => ({ type: "batch", records, order });

/** The errors of the HOST_ERR records among the host's answers, by name. */
function errorNames(answers: unknown[]): string[] {
  const names: string[] = [];
  for (let at = 0; at < answers.length; at++) {
    if (answers[at] === HOST_ERR && typeof answers[at + 2] === "object") {
      names.push((answers[at + 2] as { name: string }).name);
      at += 2;
    }
  }
  return names;
}

Deno.test("forged host calls are answered with refusals, or end the plugin, never the host", async (t) => {
  await t.step(
    "a function it was not given: HostFunctionDeniedError and a denied event",
    async () => {
      const { crash, denied, answers } = await run([batch([HOST_CALL, 1, "rm", 1, "-rf"])]);
      assert.equal(crash, undefined);
      assert.deepEqual(errorNames(answers), ["HostFunctionDeniedError"]);
      assert.deepEqual(denied.map((d) => `${d.kind}:${d.value}`), ["host:rm"]);
    },
  );

  await t.step("a reference that is not live: CallbackExpiredError", async () => {
    const { crash, answers } = await run([batch([HOST_CALL, 1, 12345, 0])]);
    assert.equal(crash, undefined);
    assert.deepEqual(errorNames(answers), ["CallbackExpiredError"]);
  });

  await t.step("a flood: one runs, 10,000 wait, the rest are refused", async () => {
    const records: unknown[] = [];
    for (let id = 1; id <= 12_000; id++) records.push(HOST_CALL, id, "wait", 0);
    const { crash, answers, running } = await run([batch(records)], 1);
    assert.equal(crash, undefined);
    assert.equal(running(), 1);
    const names = errorNames(answers);
    assert.equal(names.length, 1_999);
    assert.ok(names.every((name) => name === "HostCallError"));
  });

  const ending: Record<string, [unknown[], RegExp]> = {
    "a target that is neither a name nor a reference": [
      [batch([HOST_CALL, 1, { name: "wait" }, 0])],
      /target is neither a reference nor a name/,
    ],
    "an id of a call in flight, again": [
      [batch([HOST_CALL, 1, "wait", 0, HOST_CALL, 1, "wait", 0])],
      /reused the id of one in flight/,
    ],
    "a batch number sent twice": [[batch([], 1), batch([], 1)], /sent batch 1 twice/],
    "a batch number that is not a positive integer": [
      [batch([], 0)],
      /a batch's order is not a positive integer/,
    ],
    "batches ahead of one it never sends": [
      Array.from({ length: 1_030 }, (_, i) => batch([], i + 2)),
      /over 1024 batches ahead of one it never sent/,
    ],
  };
  for (const [name, [script, reason]] of Object.entries(ending)) {
    await t.step(`${name}: the plugin is ended`, async () => {
      const { crash } = await run(script);
      assert.ok(crash instanceof PluginCrashedError, name);
      assert.match(crash.reason, reason);
    });
  }
});
