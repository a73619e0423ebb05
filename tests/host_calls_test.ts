/**
 * Plugins call the host: the functions a load provides and the manifest
 * lists, in every tier, with the guarantees of calls the other way: typed
 * refusals, errors reduced to a name and a message, bounded concurrency,
 * deadlines, and nothing left pending when the plugin goes.
 */
import assert from "node:assert/strict";
import { createHost, type HostEventDetail, PluginLoadError, type Variable } from "../mod.ts";
import { tempPlugin } from "./_helpers.ts";

const TIERS = ["process", "worker", "inline"] as const;

const PLUGIN = `import { host, HostCallError } from "@sandplug/host/plugin";
const sum = host.lookup("sum");
/** Called while the module loads: host functions are there from the start. */
export const atImport = await sum(20, 22);
export const add = (a, b) => sum(a, b);
export async function attempt(name, args, options) {
  try {
    return { ok: await host.call(name, args, options) };
  } catch (error) {
    return {
      name: error.name,
      message: error.message,
      typed: error instanceof HostCallError,
      cause: error.cause === undefined ? "none" : "some",
      stack: String(error.stack),
    };
  }
}
export async function fanOut(n) {
  return await Promise.all(Array.from({ length: n }, (_, i) => host.call("slow", [i])));
}
`;

const MANIFEST = { host: ["sum", "boom", "slow", "never", "unclonable"] };

function provide(state: { running: number; most: number }) {
  return {
    sum: (a: number, b: number) => a + b,
    boom: () => {
      throw new RangeError("key too long", { cause: new Error("secret cause /etc/host-only") });
    },
    slow: async (i: number) => {
      state.running++;
      state.most = Math.max(state.most, state.running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      state.running--;
      return i * 2;
    },
    never: () => new Promise(() => {}),
    unclonable: () => ({ f: () => 1 }),
    unlisted: () => "should not be reachable",
  };
}

for (const tier of TIERS) {
  Deno.test(`${tier} tier: plugins call the host's functions, and only those`, async (t) => {
    await using fixture = await tempPlugin(MANIFEST, PLUGIN);
    await using host = createHost({ isolation: tier, maxConcurrentHostCalls: 2 });
    const denied: HostEventDetail[] = [];
    host.addEventListener("denied", (event) => denied.push(event.detail));
    const state = { running: 0, most: 0 };
    const p = await host.load(fixture.dir, { provide: provide(state) });
    const attempt = (name: string, args: unknown[] = [], options?: unknown) =>
      p.call("attempt", [name, args, options]) as Promise<Record<string, unknown>>;

    await t.step("a call made while the module loads, and calls made from calls", async () => {
      assert.equal(await p.lookup<Variable<number>>("atImport").get(), 42);
      assert.equal(await p.call("add", [1, 2]), 3);
      assert.deepEqual(p.permissions.host, MANIFEST.host);
    });

    await t.step(
      "a name not listed, or not provided: HostFunctionDeniedError and a denied event",
      async () => {
        for (const name of ["unlisted", "nothing"]) {
          const result = await attempt(name);
          assert.equal(result.name, "HostFunctionDeniedError");
          assert.equal(result.typed, true);
          assert.match(
            String(result.message),
            new RegExp(`may not call the host function "${name}"`),
          );
        }
        assert.deepEqual(
          denied.map(({ kind, value }) => `${kind}:${value}`),
          ["host:unlisted", "host:nothing"],
        );
      },
    );

    await t.step(
      "a host function's error crosses as its name and message, nothing more",
      async () => {
        const result = await attempt("boom");
        assert.equal(result.name, "RangeError");
        assert.equal(result.message, "key too long");
        assert.equal(result.cause, "none");
        assert.doesNotMatch(String(result.stack), /host_calls_test|secret cause|\/etc\/host-only/);
      },
    );

    await t.step("a result that cannot cross fails the host call, not the host", async () => {
      const result = await attempt("unclonable");
      assert.equal(result.name, "ValidationError");
      assert.match(String(result.message), /"unclonable" returned what cannot be sent/);
    });

    await t.step("arguments that cannot cross are refused in the plugin", async () => {
      const result = await p.call("attempt", ["sum", [1, 2], undefined]);
      assert.deepEqual(result, { ok: 3 });
    });

    await t.step(
      "at most maxConcurrentHostCalls run at once; the rest wait their turn",
      async () => {
        assert.deepEqual(await p.call("fanOut", [10]), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
        assert.equal(state.most, 2);
      },
    );

    await t.step("a deadline in the plugin: HostCallTimeoutError", async () => {
      const result = await attempt("never", [], { timeoutMs: 50 });
      assert.equal(result.name, "HostCallTimeoutError");
      assert.match(String(result.message), /did not answer "never" within 50 ms/);
    });
  });
}

Deno.test("a load is refused, naming each host function the manifest lists and the load does not provide", async () => {
  await using fixture = await tempPlugin({ host: ["sum", "user", "log"] }, `export const ok = 1;`);
  await using host = createHost();
  await assert.rejects(
    host.load(fixture.dir, { provide: { sum: (a: number, b: number) => a + b } }),
    (error: unknown) => {
      assert.ok(error instanceof PluginLoadError);
      assert.match(error.message, /"user"/);
      assert.match(error.message, /"log"/);
      assert.doesNotMatch(error.message, /"sum"/);
      return true;
    },
  );
});

Deno.test("closing a plugin while its host call runs settles everything", async () => {
  await using fixture = await tempPlugin(
    { host: ["never"] },
    `import { host } from "@sandplug/host/plugin";\nexport const wait = () => host.call("never");\n`,
  );
  for (const tier of TIERS) {
    await using host = createHost({ isolation: tier });
    const p = await host.load(fixture.dir, { provide: { never: () => new Promise(() => {}) } });
    const settled = assert.rejects(p.call("wait", []), /closed/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await p.close();
    await settled;
  }
});

Deno.test("a compiled-in plugin registered with host functions calls them too", async () => {
  const { host: hostApi } = await import("@sandplug/host/plugin");
  const adder = { add: (a: number, b: number) => hostApi.call<number>("sum", [a, b]) };
  await using host = createHost();
  host.register("adder", adder, { host: ["sum"] });
  const p = await host.load("adder", { provide: { sum: (a: number, b: number) => a + b + 1000 } });
  assert.equal(await p.call("add", [1, 2]), 1003);
  assert.deepEqual(p.permissions.host, ["sum"]);
  await p.close();
  // A host call that runs as a closed plugin's code fails at once; outside any plugin, it has no host.
  await assert.rejects(hostApi.call("sum", [1, 2]), /is closed|not running under a sandplug host/);
});
