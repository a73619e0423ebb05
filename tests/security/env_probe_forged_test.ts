/**
 * What a runtime reports about environment probes is hostile input: a
 * forged `denied` message of the wrong shape ends the plugin, a flood of
 * them reaches the host's `denied` event at most `MAX_ENV_PROBES` times, and
 * a huge or unprintable name arrives cut and neutralised (issue 11, item 2).
 * A scripted tier plays a runtime that says anything, as in `protocol_test.ts`.
 */
import assert from "node:assert/strict";
import { type HostEventDetail, type IsolationName, PluginCrashedError } from "@sandplug/host";
import { PluginHost } from "../../src/host/host.ts";
import { PROTOCOL_VERSION } from "../../src/wire/protocol_version.ts";
import { MAX_ENV_NAME_CHARS, MAX_ENV_PROBES } from "../../src/wire/env_probe_limits.ts";
import { tempPlugin } from "../_helpers.ts";
import { scriptedTier } from "./_scripted_tier.ts";

const READY = { type: "ready", protocol: PROTOCOL_VERSION, symbols: [] };

async function scripted(after: unknown[]) {
  const fixture = await tempPlugin({ name: "scripted" });
  const { tier, terminated } = scriptedTier(() => READY, () => after);
  const host = new PluginHost({ isolation: "scripted" as IsolationName }, { scripted: tier });
  const denied: HostEventDetail[] = [];
  host.addEventListener("denied", (e) => denied.push((e as CustomEvent<HostEventDetail>).detail));
  const crashed = new Promise<PluginCrashedError>((resolve) =>
    host.addEventListener("crash", (e) => resolve((e as CustomEvent).detail.error))
  );
  await host.load(fixture.dir);
  return {
    denied,
    crashed,
    terminated,
    async [Symbol.asyncDispose]() {
      await host.close();
      await fixture[Symbol.asyncDispose]();
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

Deno.test("a denied message of the wrong shape ends the plugin, not the host", async (t) => {
  const forged: Record<string, unknown> = {
    "a value that is not a string": { type: "denied", kind: "env", value: { toString: null } },
    "no value": { type: "denied", kind: "env" },
    "a kind other than env": { type: "denied", kind: "net", value: "example.com:443" },
    "a symbol that is not a string": { type: "denied", kind: "env", value: "X", symbol: 7 },
    "a huge symbol": { type: "denied", kind: "env", value: "X", symbol: "s".repeat(1_000_000) },
  };
  for (const [name, message] of Object.entries(forged)) {
    await t.step(name, async () => {
      await using ctx = await scripted([message]);
      const error = await ctx.crashed;
      assert.ok(error instanceof PluginCrashedError);
      assert.match(error.reason, /broke the protocol: a denied message/);
      assert.ok(error.reason.length < 1_000, "the reason quotes none of the plugin's data");
      assert.deepEqual(ctx.denied, []);
      assert.ok(ctx.terminated(), "the isolate was ended");
    });
  }
});

Deno.test("a flood of forged denied messages reaches the host a bounded number of times", async () => {
  const flood = Array.from(
    { length: 100_000 },
    (_, i) => ({ type: "denied", kind: "env", value: `FLOOD_${i}` }),
  );
  await using ctx = await scripted(flood);
  await settle();
  assert.equal(ctx.denied.length, MAX_ENV_PROBES);
  assert.equal(ctx.denied[0].value, "FLOOD_0");
  assert.ok(!ctx.terminated(), "a flood of well-formed messages does not end the plugin");
});

Deno.test("a huge or unprintable probed name arrives cut and neutralised", async () => {
  await using ctx = await scripted([
    { type: "denied", kind: "env", value: "N".repeat(10_000_000), symbol: "parse" },
    { type: "denied", kind: "env", value: "\x1b[2J\x1b[31mRED" },
  ]);
  await settle();
  assert.equal(ctx.denied.length, 2);
  const [huge, escape] = ctx.denied;
  assert.ok(huge.value!.length <= MAX_ENV_NAME_CHARS, `${huge.value!.length} characters`);
  assert.match(huge.value!, /^N+… \(\d+ more characters\)$/);
  assert.equal(huge.symbol, "parse");
  assert.equal(huge.kind, "env");
  assert.ok(!escape.value!.includes("\x1b"), escape.value);
  assert.match(escape.value!, /RED$/);
  assert.equal(escape.symbol, undefined);
});
