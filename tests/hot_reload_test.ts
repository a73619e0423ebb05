/**
 * Hot reload (`p.reload()`): the new version loads beside the running one,
 * takes new calls once ready, and the old one finishes what it has in flight.
 * No call fails across a reload, in every tier; a widening upgrade is refused
 * unless approved, a narrowing one is taken; a version that no longer fits the
 * contract, or fails to load, leaves the running one serving.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createHost,
  defineContract,
  fn,
  type IsolationName,
  ManifestError,
  PluginClosedError,
  UpgradeRefusedError,
} from "@sandplug/host";
import { baseManifest, tempPlugin } from "./_helpers.ts";

const TIERS: readonly IsolationName[] = ["process", "worker", "inline"];

function code(version: string): string {
  return `export const version = "${version}";
export function echo(x) { return x; }
export function tagged(x) { return version + ":" + x; }
export function which() { return version; }
export async function slow(ms) { await new Promise((r) => setTimeout(r, ms)); return version; }
export async function* count(n) { for (let i = 0; i < n; i++) { await new Promise((r) => setTimeout(r, 5)); yield i; } }
`;
}

async function rewrite(
  dir: string,
  version: string,
  manifest: Record<string, unknown> = {},
  source = code(version),
): Promise<void> {
  await Deno.writeTextFile(
    join(dir, "plugin.json"),
    JSON.stringify({ ...baseManifest, ...manifest, version }),
  );
  await Deno.writeTextFile(join(dir, "mod.ts"), source);
}

for (const tier of TIERS) {
  Deno.test(`${tier} tier: a reload in the middle of 10,000 pipelined calls fails none`, async () => {
    await using fixture = await tempPlugin({}, code("1.0.0"));
    await using host = createHost({ isolation: tier, log: () => {}, loadTimeoutMs: 60_000 });
    const p = await host.load(fixture.dir);
    const calls: Promise<unknown>[] = [];
    let reloading: Promise<unknown> | undefined;
    let swappedAt = Infinity;
    // Pipelined in batches, and on until the reload is done, so that calls are in flight
    // across the swap: before it, during it, and after it.
    for (let i = 0; i < 10_000 || i < swappedAt + 500; i++) {
      calls.push(p.call("tagged", [i]));
      if (i === 5_000) {
        await rewrite(fixture.dir, "2.0.0");
        reloading = p.reload().finally(() => swappedAt = calls.length);
      }
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    const results = await Promise.allSettled(calls);
    const failed = results.filter((r) => r.status === "rejected");
    assert.deepEqual(failed.slice(0, 3), [], `${failed.length} of ${calls.length} calls failed`);
    const served = new Map<string, number>();
    results.forEach((r, i) => {
      const [version, n] = String((r as PromiseFulfilledResult<unknown>).value).split(":");
      assert.equal(Number(n), i);
      served.set(version, (served.get(version) ?? 0) + 1);
    });
    assert.ok(
      (served.get("1.0.0") ?? 0) > 5_000 && (served.get("2.0.0") ?? 0) > 0,
      `${[...served]}`,
    );
    const result = await reloading as { from: string; to: string; drained: Promise<void> };
    assert.deepEqual([result.from, result.to], ["1.0.0", "2.0.0"]);
    await result.drained;
    assert.equal(p.version, "2.0.0");
    assert.equal(await p.call("which"), "2.0.0");
    assert.equal(await p.lookup<{ get(): Promise<string> }>("version").get(), "2.0.0");
    assert.deepEqual(host.plugins, [p], "the handle stays the one the host holds");
  });

  Deno.test(`${tier} tier: calls and streams in flight finish on the old version`, async () => {
    await using fixture = await tempPlugin({}, code("1.0.0"));
    await using host = createHost({ isolation: tier, log: () => {} });
    const p = await host.load(fixture.dir);
    const inFlight = p.call("slow", [150]);
    const stream = p.stream<number>("count", [20]);
    await new Promise((r) => setTimeout(r, 20));
    await rewrite(fixture.dir, "2.0.0");
    const { drained } = await p.reload();
    assert.equal(await p.call("which"), "2.0.0", "new calls go to the new version");
    assert.equal(await inFlight, "1.0.0", "the call in flight finished on the old version");
    const items: number[] = [];
    for await (const item of stream) items.push(item);
    assert.deepEqual(items, Array.from({ length: 20 }, (_, i) => i));
    await drained;
  });
}

for (const tier of ["process", "worker"] as const) {
  Deno.test(`${tier} tier: a widening reload is refused, then approved by onUpgrade`, async () => {
    await using fixture = await tempPlugin({}, code("1.0.0"));
    await using host = createHost({
      isolation: tier,
      log: () => {},
      allow: { env: ["HOME"], net: ["127.0.0.1:9"] },
    });
    const events: string[] = [];
    host.addEventListener("upgrade-refused", (e) => events.push(`refused ${e.detail.to}`));
    host.addEventListener("reload", (e) => events.push(`reload ${e.detail.to}`));
    const p = await host.load(fixture.dir);
    await rewrite(fixture.dir, "1.1.0", { permissions: { env: ["HOME"], net: ["127.0.0.1:9"] } });
    const refused = await p.reload().catch((error) => error);
    assert.ok(refused instanceof UpgradeRefusedError, String(refused));
    assert.equal(refused.reason, "widens");
    assert.equal(refused.diff.widens, true);
    assert.deepEqual(refused.diff.kinds.env?.added, ["HOME"]);
    assert.match(refused.message, /widens its permissions: .*HOME/);
    assert.equal(p.version, "1.0.0");
    assert.equal(await p.call("which"), "1.0.0", "the old version keeps serving");

    const seen: string[] = [];
    const result = await p.reload({
      onUpgrade: (diff, upgrade) => {
        seen.push(`${upgrade.plugin} ${upgrade.from}→${upgrade.to} ${Object.keys(diff.kinds)}`);
        return true;
      },
    });
    assert.deepEqual(seen, ["test-plugin 1.0.0→1.1.0 net,env"]);
    assert.equal(result.diff.widens, true);
    assert.deepEqual(p.permissions.env, ["HOME"]);
    assert.equal(await p.call("which"), "1.1.0");
    assert.deepEqual(events, ["refused 1.1.0", "reload 1.1.0"]);
  });

  Deno.test(`${tier} tier: a narrowing reload needs no approval; the host's onUpgrade is asked`, async () => {
    await using fixture = await tempPlugin(
      { permissions: { env: ["HOME", "USER"] } },
      code("1.0.0"),
    );
    const asked: boolean[] = [];
    await using host = createHost({
      isolation: tier,
      log: () => {},
      allow: { env: ["HOME", "USER", "LANG"] },
      onUpgrade: (diff) => {
        asked.push(diff.widens);
        return Promise.resolve(false);
      },
    });
    const p = await host.load(fixture.dir);
    await rewrite(fixture.dir, "1.0.1", { permissions: { env: ["HOME"] } });
    const narrowed = await p.reload();
    assert.equal(narrowed.diff.widens, false);
    assert.deepEqual(narrowed.diff.kinds.env?.removed, ["USER"]);
    assert.deepEqual(p.permissions.env, ["HOME"]);
    await rewrite(fixture.dir, "1.0.2", { permissions: { env: ["HOME", "LANG"] } });
    await assert.rejects(p.reload(), UpgradeRefusedError);
    assert.deepEqual(asked, [true], "only the widening reload asked, and the host said no");
    assert.equal(p.version, "1.0.1");
  });

  Deno.test(`${tier} tier: a broken new version or one off the contract leaves the old serving`, async () => {
    const any = {
      "~standard": { version: 1, vendor: "t", validate: (v: unknown) => ({ value: v }) },
    } as const;
    const contract = defineContract({
      name: "echoer",
      version: "1.0.0",
      symbols: { echo: fn({ args: [any], returns: any }) },
    });
    await using fixture = await tempPlugin({ implements: { echoer: "1.0.0" } }, code("1.0.0"));
    await using host = createHost({ isolation: tier, log: () => {} });
    const failures: string[] = [];
    host.addEventListener("reload-failed", (e) => failures.push(e.detail.error.name));
    const p = await host.load(fixture.dir, { contract });
    await Deno.writeTextFile(join(fixture.dir, "plugin.json"), "{ not json");
    await assert.rejects(p.reload(), ManifestError);
    await rewrite(fixture.dir, "2.0.0", {}, code("2.0.0"));
    const unfit = await p.reload().catch((error) => error);
    assert.ok(unfit instanceof UpgradeRefusedError, String(unfit));
    assert.equal(unfit.reason, "contract");
    await rewrite(
      fixture.dir,
      "2.0.1",
      { implements: { echoer: "1.0.0" } },
      "export const echo = (;",
    );
    await assert.rejects(p.reload());
    assert.equal(await p.call("echo", [7]), 7);
    assert.equal(p.version, "1.0.0");
    assert.deepEqual(failures.slice(0, 1), ["ManifestError"]);
    await p.close();
    await assert.rejects(p.reload(), PluginClosedError);
  });
}
