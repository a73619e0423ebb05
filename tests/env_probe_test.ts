/**
 * A plugin that only probes an environment variable it was not granted sees
 * it unset, as under Deno's `--ignore-env`, in both sandboxed tiers alike,
 * and the host's `denied` event reports each probed name once (issue 11,
 * item 2). What a runtime says about probes is hostile input: the host
 * bounds it (see also `tests/security/env_probe_forged_test.ts`).
 */
import assert from "node:assert/strict";
import {
  createHost,
  type HostEventDetail,
  type HostOptions,
  type IsolationName,
  PluginCallError,
} from "@sandplug/host";
import { MAX_ENV_PROBES } from "../src/wire/env_probe_limits.ts";
import { tempPlugin } from "./_helpers.ts";

const TIERS: IsolationName[] = ["worker", "process"];

/** Set in the host's own environment: a worker shares it, so reading it unset shows nothing leaks. */
const SECRET = "SANDPLUG_PROBE_SECRET";
const GRANTED = "SANDPLUG_PROBE_GRANTED";

const PROBES = `
import process from "node:process";
const atImport = Deno.env.get("SANDPLUG_PROBE_IMPORT");
export const imported = () => atImport;
export const get = (name) => Deno.env.get(name);
export const nodeGet = (name) => process.env[name];
export const nodeIn = (name) => name in process.env;
export const has = (name) => Deno.env.has(name);
export const toObject = () => Deno.env.toObject();
export const nodeKeys = () => Object.keys(process.env);
export function set(name) { Deno.env.set(name, "set by a plugin"); }
export function remove(name) { Deno.env.delete(name); }
export async function later(name) { await null; return Deno.env.get(name); }
export function flood(count) {
  let set = 0;
  for (let i = 0; i < count; i++) if (Deno.env.get("SANDPLUG_FLOOD_" + i) !== undefined) set++;
  return set;
}
export function undo() {
  const tries = [
    () => Object.defineProperty(Deno.env, "get", { value: () => "replaced" }),
    () => { Deno.env.get = () => "replaced"; },
    () => { delete Deno.env.get; },
    () => { Deno.env = { get: () => "replaced" }; },
  ];
  return tries.map((attempt) => { try { attempt(); return "done"; } catch (e) { return e.name; } });
}
`;

type Seen = { type: string; detail: HostEventDetail };

function record(host: ReturnType<typeof createHost>, ...types: string[]): Seen[] {
  const seen: Seen[] = [];
  for (const type of types) {
    host.addEventListener(type, (event) => {
      seen.push({ type, detail: (event as CustomEvent<HostEventDetail>).detail });
    });
  }
  return seen;
}

/** The `denied` events as `[value, symbol]` pairs. */
const denials = (seen: Seen[]) =>
  seen.filter((e) => e.type === "denied").map((e) => [e.detail.value, e.detail.symbol]);

async function withHostEnv<T>(vars: Record<string, string>, run: () => Promise<T>): Promise<T> {
  for (const [name, value] of Object.entries(vars)) Deno.env.set(name, value);
  try {
    return await run();
  } finally {
    for (const name of Object.keys(vars)) Deno.env.delete(name);
  }
}

async function loadProbes(tier: IsolationName, manifest = {}, options: HostOptions = {}) {
  const fixture = await tempPlugin({ name: "probes", ...manifest }, PROBES);
  // The host's log sink would print the notice of a flood; the test reads the log event instead.
  const host = createHost({ isolation: tier, log: () => {}, ...options });
  const seen = record(host, "denied", "log");
  const plugin = await host.load(fixture.dir);
  return {
    plugin,
    seen,
    async [Symbol.asyncDispose]() {
      await host.close();
      await fixture[Symbol.asyncDispose]();
    },
  };
}

for (const tier of TIERS) {
  Deno.test(`an ungranted variable reads as unset and the host hears of it once (${tier} tier)`, () =>
    withHostEnv({ [SECRET]: "the host's secret", SANDPLUG_PROBE_IMPORT: "x" }, async () => {
      await using ctx = await loadProbes(tier);
      const { plugin, seen } = ctx;
      assert.equal(await plugin.call("imported"), undefined);
      assert.equal(await plugin.call("get", [SECRET]), undefined);
      assert.equal(await plugin.call("get", [SECRET]), undefined);
      assert.equal(await plugin.call("nodeGet", [SECRET]), undefined);
      assert.equal(await plugin.call("nodeGet", ["SANDPLUG_PROBE_NODE"]), undefined);
      assert.equal(await plugin.call("nodeIn", ["SANDPLUG_PROBE_IN"]), false);
      assert.equal(await plugin.call("has", ["SANDPLUG_PROBE_HAS"]), false);
      assert.equal(await plugin.call("later", ["SANDPLUG_PROBE_LATE"]), undefined);
      assert.deepEqual(await plugin.call("toObject"), {});
      assert.deepEqual(await plugin.call("nodeKeys"), []);
      assert.deepEqual(denials(seen), [
        ["SANDPLUG_PROBE_IMPORT", undefined], // while the module loaded: no call to name
        [SECRET, "get"], // once, though probed three times
        ["SANDPLUG_PROBE_NODE", "nodeGet"],
        ["SANDPLUG_PROBE_IN", "nodeIn"],
        ["SANDPLUG_PROBE_HAS", "has"],
        ["SANDPLUG_PROBE_LATE", undefined], // after the call's first await: not attributed
      ]);
      assert.ok(seen.every((e) => e.detail.plugin === "probes" && e.type === "denied"));
      assert.ok(seen.every((e) => e.detail.kind === "env"));
    }));

  Deno.test(`setting or deleting any variable still throws NotCapable (${tier} tier)`, async () => {
    await using ctx = await loadProbes(tier);
    for (const [symbol, name] of [["set", SECRET], ["remove", SECRET], ["set", "HOME"]]) {
      await assert.rejects(ctx.plugin.call(symbol, [name]), (error: unknown) => {
        assert.ok(error instanceof PluginCallError);
        assert.equal(error.remoteName, "NotCapable");
        assert.match(error.remoteMessage, new RegExp(`^Requires env access to "${name}"`));
        return true;
      });
    }
    assert.equal(Deno.env.get(SECRET), undefined, "nothing reached the host's environment");
  });

  Deno.test(`a granted variable still reads its value (${tier} tier)`, () =>
    withHostEnv({ [GRANTED]: "granted value", [SECRET]: "the host's secret" }, async () => {
      await using ctx = await loadProbes(
        tier,
        { permissions: { env: [GRANTED] } },
        { allow: { env: [GRANTED] } },
      );
      const { plugin, seen } = ctx;
      assert.equal(await plugin.call("get", [GRANTED]), "granted value");
      assert.equal(await plugin.call("nodeGet", [GRANTED]), "granted value");
      assert.equal(await plugin.call("has", [GRANTED]), true);
      assert.equal(await plugin.call("nodeIn", [GRANTED]), true);
      // Only what the grant lets it read: never the host's other variables.
      assert.deepEqual(await plugin.call("toObject"), { [GRANTED]: "granted value" });
      assert.deepEqual(await plugin.call("nodeKeys"), [GRANTED]);
      assert.equal(await plugin.call("get", [SECRET]), undefined);
      assert.deepEqual(denials(seen), [["SANDPLUG_PROBE_IMPORT", undefined], [SECRET, "get"]]);
    }));

  Deno.test(`a plugin probing thousands of names is reported ${MAX_ENV_PROBES} times (${tier} tier)`, async () => {
    await using ctx = await loadProbes(tier);
    const { plugin, seen } = ctx;
    assert.equal(await plugin.call("flood", [5_000]), 0);
    assert.equal(await plugin.call("flood", [5_000]), 0);
    const names = denials(seen).map(([value]) => value);
    assert.equal(names.length, MAX_ENV_PROBES);
    assert.deepEqual(names.slice(0, 3), [
      "SANDPLUG_PROBE_IMPORT",
      "SANDPLUG_FLOOD_0",
      "SANDPLUG_FLOOD_1",
    ]);
    const notices = seen.filter((e) => e.type === "log");
    assert.equal(notices.length, 1);
    assert.equal(notices[0].detail.level, "warn");
    assert.match(notices[0].detail.message!, /more than 64 environment variables.*not reported/);
  });

  Deno.test(`plugin code cannot replace or remove the quiet env reads (${tier} tier)`, async () => {
    await using ctx = await loadProbes(tier);
    const { plugin, seen } = ctx;
    assert.deepEqual(await plugin.call("undo"), [
      "TypeError",
      "TypeError",
      "TypeError",
      "TypeError",
    ]);
    assert.equal(await plugin.call("get", ["SANDPLUG_PROBE_AFTER"]), undefined);
    assert.deepEqual(denials(seen).at(-1), ["SANDPLUG_PROBE_AFTER", "get"]);
  });
}

Deno.test("worker tier: npm:yaml parses with no permissions; its probe of LOG_TOKENS is reported", async () => {
  await using fixture = await tempPlugin(
    { name: "yaml-user", imports: ["npm:yaml@2"] },
    `import YAML from "npm:yaml@2";\nexport const parse = (text) => YAML.parse(text);\n`,
  );
  await using host = createHost({ isolation: "worker", allow: { imports: ["npm:yaml@2"] } });
  const seen = record(host, "denied");
  const plugin = await host.load(fixture.dir);
  assert.deepEqual(await plugin.call("parse", ["a: 1"]), { a: 1 });
  assert.deepEqual(await plugin.call("parse", ["list: [1, 2]"]), { list: [1, 2] });
  const reported = denials(seen);
  assert.deepEqual(reported.find(([value]) => value === "LOG_TOKENS"), ["LOG_TOKENS", "parse"]);
  assert.equal(reported.filter(([value]) => value === "LOG_TOKENS").length, 1);
});
