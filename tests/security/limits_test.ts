/**
 * A manifest's limits are the plugin author's word: they may shorten the
 * host's deadlines, never lengthen them (issue: "A manifest overrides the
 * host's deadlines").
 */
import assert from "node:assert/strict";
import {
  createHost,
  type IsolationName,
  PluginLoadError,
  PluginTimeoutError,
} from "@sandplug/host";
import { tempPlugin } from "../_helpers.ts";

const TIERS: IsolationName[] = ["worker", "process"];
const ABOUT_24_DAYS = 2_000_000_000;

/** Fails the test instead of hanging it when `promise` never settles. */
async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}

for (const tier of TIERS) {
  const CALL_DEADLINES = [
    { name: "cannot lengthen the host's", manifest: ABOUT_24_DAYS, host: 300, expected: 300 },
    { name: "may shorten the host's", manifest: 200, host: 30_000, expected: 200 },
  ];
  for (const row of CALL_DEADLINES) {
    Deno.test(`${tier} tier: a manifest's callTimeoutMs ${row.name}`, async () => {
      await using fixture = await tempPlugin(
        { limits: { callTimeoutMs: row.manifest } },
        "export const hang = () => new Promise(() => {});\n",
      );
      await using host = createHost({ isolation: tier, callTimeoutMs: row.host });
      const plugin = await host.load(fixture.dir);
      const error = await settlesWithin(plugin.call("hang").catch((e) => e), 10_000);
      assert.ok(error instanceof PluginTimeoutError, String(error));
      assert.equal(error.timeoutMs, row.expected);
    });
  }

  Deno.test(`${tier} tier: a manifest's loadTimeoutMs cannot lengthen the host's`, async () => {
    await using fixture = await tempPlugin(
      { limits: { loadTimeoutMs: ABOUT_24_DAYS } },
      "await new Promise(() => setInterval(() => {}, 1000));\nexport const ok = 1;\n",
    );
    await using host = createHost({ isolation: tier, loadTimeoutMs: 500 });
    const error = await settlesWithin(host.load(fixture.dir).catch((e) => e), 10_000);
    assert.ok(error instanceof PluginLoadError, String(error));
    assert.match(error.message, /within 500 ms/);
  });
}
