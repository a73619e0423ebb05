import assert from "node:assert/strict";
import { createHost, PluginCallError, PluginTimeoutError } from "@sandplug/host";
import { inlineTier } from "../src/isolation/inline/tier.ts";
import type { PluginMessage } from "../src/wire/protocol.ts";
import { tempPlugin } from "./_helpers.ts";

Deno.test("the inline isolate exposes the plugin's exports for direct calls once loaded", async () => {
  const module = { add: (a: number, b: number) => a + b };
  const messages: PluginMessage[] = [];
  const isolate = inlineTier.start(
    {
      plugin: "direct",
      dir: "",
      entry: "",
      manifest: {} as never,
      grant: {} as never,
      module,
      maxMessageBytes: 1024,
    },
    { message: (message) => messages.push(message), exit() {} },
  );
  assert.equal(isolate.direct, undefined, "nothing is loaded before the handshake");
  isolate.send({ type: "init", protocol: 1, plugin: "direct", entry: "", maxMessageBytes: 1024 });
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(messages[0]?.type, "ready");
  const { direct } = isolate as { direct?: Record<string, unknown> };
  assert.deepEqual(Object.keys(direct ?? {}), ["add"]);
  assert.equal(inlineTier.callDirect?.("direct", "add", direct?.add, [1, 2], 1000), 3);
  isolate.terminate();
  assert.equal(isolate.direct, undefined, "a terminated isolate hands out nothing");
});

Deno.test("inline direct calls keep the tier's semantics: errors, deadlines, references", async () => {
  await using fixture = await tempPlugin(
    {},
    `export const same = (value: unknown) => value;
export function fail(): never { throw new TypeError("bad input"); }
export const never = () => new Promise(() => {});`,
  );
  await using host = createHost({ isolation: "inline" });
  const p = await host.load(fixture.dir);
  const value = { nested: [1, 2] };
  assert.equal(await p.call("same", [value]), value, "values pass by reference");
  await assert.rejects(p.call("fail"), (error: unknown) => {
    assert.ok(error instanceof PluginCallError);
    assert.equal(error.remoteName, "TypeError");
    assert.equal(error.remoteMessage, "bad input");
    return true;
  });
  await assert.rejects(p.call("never", [], { timeoutMs: 20 }), PluginTimeoutError);
});
