import assert from "node:assert/strict";
import {
  createHost,
  type HostEventDetail,
  ImportDeniedError,
  PluginCallError,
  PluginClosedError,
  PluginCrashedError,
  PluginError,
  PluginLoadError,
  PluginTimeoutError,
  SymbolKindError,
  SymbolNotFoundError,
  ValidationError,
  type Variable,
} from "@sandplug/host";
import { tempPlugin } from "./_helpers.ts";

const MYPLUGIN = new URL("../plugins/myplugin", import.meta.url);

const FIXTURE = `
import { variable } from "@sandplug/host/plugin";
export const counter = variable(1);
export const label = "fixed";
export function add(a: number, b: number): number { return a + b; }
export async function later(value: string): Promise<string> { return value + "!"; }
export function bump(): number { counter.value += 1; return counter.value; }
export function fail(): never { throw new RangeError("out of range"); }
export function failWith(value: unknown): never { throw value; }
export function unclonable(): unknown { return () => 1; }
export function hang(): Promise<never> { return new Promise(() => {}); }
export function crashSoon(): string { setTimeout(() => { throw new Error("async boom"); }, 5); return "scheduled"; }
export default function main(): string { return "default export"; }
`;

Deno.test("host.load() opens the Go example plugin and lookup() reaches its variable and function", async () => {
  await using host = createHost({ allow: { read: ["./plugins"] } });
  const p = await host.load(MYPLUGIN);
  assert.equal(p.name, "myplugin");
  assert.equal(p.isolation, "process");
  assert.deepEqual(p.symbols, [
    { name: "Describe", kind: "function" },
    { name: "KnownPluginFunction", kind: "function" },
    { name: "PluginInputNumber", kind: "variable" },
  ]);
  const input = p.lookup<Variable<number>>("PluginInputNumber");
  assert.equal(input.readonly, false);
  assert.equal(await input.get(), 0);
  await input.set(7);
  assert.equal(await input.get(), 7);
  assert.equal(
    await p.lookup<() => string>("Describe")(),
    "My custom code prints PluginInputNumber: 7",
  );
  assert.equal(await p.lookup<() => void>("KnownPluginFunction")(), undefined);
});

Deno.test("host.load() accepts the path of plugin.json as well as the folder", async () => {
  await using host = createHost();
  const p = await host.load(new URL("../plugins/myplugin/plugin.json", import.meta.url));
  assert.equal(p.name, "myplugin");
});

Deno.test("lookup() hands out functions, variables and read-only values by kind", async (t) => {
  await using fixture = await tempPlugin({}, FIXTURE);
  await using host = createHost();
  const p = await host.load(fixture.dir);

  await t.step("functions are async and keep their name", async () => {
    const add = p.lookup<(a: number, b: number) => number>("add");
    assert.equal(add.name, "add");
    assert.equal(await add(2, 3), 5);
    assert.equal(await p.lookup<(v: string) => Promise<string>>("later")("hi"), "hi!");
    assert.equal(await p.lookup<() => string>("default")(), "default export");
  });

  await t.step("a variable written by plugin code is seen by the host", async () => {
    const counter = p.lookup<Variable<number>>("counter");
    assert.equal(await p.call("bump"), 2);
    assert.equal(await counter.get(), 2);
  });

  await t.step("an exported constant is a read-only variable", async () => {
    const label = p.lookup<Variable<string>>("label");
    assert.equal(label.readonly, true);
    assert.equal(await label.get(), "fixed");
    await assert.rejects(label.set("other"), (error: unknown) => {
      assert.ok(error instanceof SymbolKindError);
      assert.equal(error.symbol, "label");
      assert.match(
        error.message,
        /"label" of plugin "test-plugin" as a writable variable: it is a read-only value/,
      );
      return true;
    });
  });

  await t.step("an unknown name is a SymbolNotFoundError listing every export", () => {
    assert.throws(() => p.lookup("Missing"), (error: unknown) => {
      assert.ok(error instanceof SymbolNotFoundError);
      assert.equal(error.plugin, "test-plugin");
      assert.deepEqual(error.available, p.symbols.map((symbol) => symbol.name));
      assert.match(
        error.message,
        /Cannot find symbol "Missing" in plugin "test-plugin": it exports: add, bump/,
      );
      return true;
    });
  });

  await t.step("a kind named in lookup() options must match", () => {
    assert.throws(() => p.lookup("counter", { kind: "function" }), SymbolKindError);
    assert.throws(() => p.lookup("add", { kind: "variable" }), /it is a function, not a variable/);
    assert.equal(p.lookup("add", { kind: "function" }).name, "add");
  });

  await t.step("call() of a variable is a SymbolKindError", async () => {
    await assert.rejects(p.call("counter"), (error: unknown) => {
      assert.ok(error instanceof SymbolKindError);
      assert.equal(error.expected, "function");
      assert.equal(error.actual, "variable");
      return true;
    });
  });
});

Deno.test("an error thrown by plugin code is a PluginCallError and the plugin stays usable", async (t) => {
  await using fixture = await tempPlugin({}, FIXTURE);
  await using host = createHost();
  const p = await host.load(fixture.dir);

  await t.step("an Error keeps its name, message and stack", async () => {
    await assert.rejects(p.call("fail"), (error: unknown) => {
      assert.ok(error instanceof PluginCallError);
      assert.ok(error instanceof PluginError);
      assert.equal(error.plugin, "test-plugin");
      assert.equal(error.symbol, "fail");
      assert.equal(error.remoteName, "RangeError");
      assert.equal(error.remoteMessage, "out of range");
      assert.match(error.remoteStack ?? "", /mod\.ts/);
      assert.equal(
        error.message,
        'Plugin "test-plugin" threw from "fail": RangeError: out of range',
      );
      return true;
    });
  });

  await t.step("a thrown non-Error is described", async () => {
    await assert.rejects(p.call("failWith", [{ code: 7 }]), /non-Error value thrown: \{"code":7\}/);
    await assert.rejects(p.call("failWith", ["plain"]), /non-Error value thrown: plain/);
  });

  await t.step("a result that cannot be cloned is an error reply, not a hang", async () => {
    await assert.rejects(p.call("unclonable"), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.path, "result");
      assert.match(error.message, /cannot be sent to the host/);
      return true;
    });
  });

  await t.step("an argument that cannot be cloned is a ValidationError naming it", async () => {
    await assert.rejects(p.call("add", [1, () => 2]), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.path, "args[1]");
      assert.match(error.message, /cannot be sent to the plugin/);
      return true;
    });
  });

  await t.step("the plugin still answers", async () => {
    assert.equal(await p.call("add", [20, 22]), 42);
  });
});

Deno.test("every call settles: deadline, abort, crash and close", async (t) => {
  await using fixture = await tempPlugin({}, FIXTURE);
  await using host = createHost();

  await t.step("a call past its deadline rejects with PluginTimeoutError", async () => {
    const p = await host.load(fixture.dir);
    await assert.rejects(p.call("hang", [], { timeoutMs: 30 }), (error: unknown) => {
      assert.ok(error instanceof PluginTimeoutError);
      assert.equal(error.timeoutMs, 30);
      assert.match(error.message, /did not answer "hang" within 30 ms/);
      return true;
    });
    assert.equal(await p.call("add", [1, 1]), 2);
    await p.close();
  });

  await t.step("the manifest's limits.callTimeoutMs is the default deadline", async () => {
    await using limited = await tempPlugin({ limits: { callTimeoutMs: 40 } }, FIXTURE);
    const p = await host.load(limited.dir);
    await assert.rejects(p.call("hang"), /within 40 ms/);
    await p.close();
  });

  await t.step("an invalid timeoutMs is a RangeError", async () => {
    const p = await host.load(fixture.dir);
    await assert.rejects(p.call("add", [1, 2], { timeoutMs: -1 }), RangeError);
    await p.close();
  });

  await t.step("an abort rejects with the signal's reason", async () => {
    const p = await host.load(fixture.dir);
    const controller = new AbortController();
    const pending = p.call("hang", [], { signal: controller.signal });
    controller.abort(new Error("user gave up"));
    await assert.rejects(pending, /user gave up/);
    await assert.rejects(
      p.call("add", [1, 2], { signal: AbortSignal.abort("already") }),
      (reason) => {
        assert.equal(reason, "already");
        return true;
      },
    );
    await p.close();
  });

  await t.step(
    "a crash rejects pending calls with PluginCrashedError and fires a crash event",
    async () => {
      const p = await host.load(fixture.dir);
      const crashed = Promise.withResolvers<HostEventDetail>();
      const onCrash = (event: Event) =>
        crashed.resolve((event as CustomEvent<HostEventDetail>).detail);
      host.addEventListener("crash", onCrash);
      const pending = p.call("hang");
      assert.equal(await p.call("crashSoon"), "scheduled");
      await assert.rejects(pending, (error: unknown) => {
        assert.ok(error instanceof PluginCrashedError);
        assert.match(error.reason, /async boom/);
        return true;
      });
      const detail = await crashed.promise;
      host.removeEventListener("crash", onCrash);
      assert.equal(detail.plugin, "test-plugin");
      assert.ok(detail.error instanceof PluginCrashedError);
      assert.equal(p.closed, true);
      assert.ok(!host.plugins.includes(p));
      await assert.rejects(p.call("add", [1, 2]), PluginCrashedError);
      await p.close();
    },
  );

  await t.step(
    "close() rejects pending calls with PluginClosedError and is idempotent",
    async () => {
      const p = await host.load(fixture.dir);
      const rejected = assert.rejects(p.call("hang"), PluginClosedError);
      await Promise.all([p.close(), p.close()]);
      await rejected;
      await assert.rejects(p.call("add", [1, 2]), (error: unknown) => {
        assert.ok(error instanceof PluginClosedError);
        assert.match(error.message, /plugin "test-plugin" is closed/);
        return true;
      });
      await assert.rejects(p.lookup<Variable<number>>("counter").get(), PluginClosedError);
    },
  );
});

Deno.test("host events report load and close; host.close() closes every plugin", async () => {
  await using fixture = await tempPlugin({}, FIXTURE);
  const host = createHost();
  const events: string[] = [];
  for (const type of ["load", "close"]) {
    host.addEventListener(type, (event) => {
      events.push(`${type}:${(event as CustomEvent<HostEventDetail>).detail.plugin}`);
    });
  }
  const a = await host.load(fixture.dir);
  const b = await host.load(MYPLUGIN);
  assert.deepEqual(host.plugins.map((plugin) => plugin.name), ["test-plugin", "myplugin"]);
  const rejected = assert.rejects(a.call("hang"), PluginClosedError);
  await Promise.all([host.close(), host.close()]);
  await rejected;
  assert.equal(host.closed, true);
  assert.equal(b.closed, true);
  assert.deepEqual(host.plugins, []);
  assert.deepEqual(events, [
    "load:test-plugin",
    "load:myplugin",
    "close:test-plugin",
    "close:myplugin",
  ]);
  await assert.rejects(host.load(fixture.dir), (error: unknown) => {
    assert.ok(error instanceof PluginError);
    assert.match(error.message, /the host is closed; create a new one with createHost\(\)/);
    return true;
  });
});

Deno.test("host.load() reports plugin code that fails to load as PluginLoadError", async (t) => {
  await using host = createHost({ loadTimeoutMs: 2_000 });
  const cases: [string, string, RegExp][] = [
    [
      "a top-level throw",
      `throw new Error("top-level boom");`,
      /entry module .*mod\.ts failed: Error: top-level boom/,
    ],
    [
      "a syntax error",
      `export const = ;`,
      /entry module .*mod\.ts failed: .*SyntaxError: Unexpected token/,
    ],
    ["a missing import", `import "./nope.ts";`, /entry module .*failed: .*nope\.ts/],
    [
      "a computed import outside its folder",
      `const where = "../outside.ts"; await import(where);`,
      /Requires read access to ".*outside\.ts"/,
    ],
  ];
  for (const [name, code, message] of cases) {
    await t.step(name, async () => {
      await using fixture = await tempPlugin({}, code);
      await Deno.writeTextFile(`${fixture.parent}/outside.ts`, "export const secret = 1;");
      await assert.rejects(host.load(fixture.dir), (error: unknown) => {
        assert.ok(error instanceof PluginLoadError);
        assert.equal(error.plugin, "test-plugin");
        assert.match(error.message, message);
        return true;
      });
    });
  }
  assert.deepEqual(host.plugins, []);
});

Deno.test("host.load() refuses imports the grant does not cover before any plugin code runs", async () => {
  const code = [
    `globalThis.ran = true;`,
    `import "../outside.ts";`,
    `import leftPad from "npm:left-pad@1";`,
    `export { x } from "data:text/javascript,export const x = 1";`,
    `const later = () => import("https://example.com/mod.ts");`,
    `import "./ok.ts";`,
  ].join("\n");
  await using fixture = await tempPlugin({}, code, { "ok.ts": `import "jsr:@std/path";` });
  await using host = createHost();
  await assert.rejects(host.load(fixture.dir), (error: unknown) => {
    assert.ok(error instanceof ImportDeniedError);
    assert.deepEqual(
      error.imports.map(({ specifier, file, line }) => `${file}:${line} ${specifier}`),
      [
        "mod.ts:2 ../outside.ts",
        "mod.ts:3 npm:left-pad@1",
        "mod.ts:4 data:text/javascript,export const x = 1",
        "mod.ts:5 https://example.com/mod.ts",
        "ok.ts:1 jsr:@std/path",
      ],
    );
    assert.match(
      error.message,
      /mod\.ts:3 imports "npm:left-pad@1": the package is not declared; add "imports": \["npm:left-pad"\]/,
    );
    assert.match(
      error.message,
      /mod\.ts:2 imports "\.\.\/outside\.ts": it leaves the plugin folder/,
    );
    assert.match(error.message, /data: modules are not allowed/);
    assert.match(
      error.message,
      /remote imports need "permissions": \{ "import": \["example\.com"\] \}/,
    );
    return true;
  });
  assert.equal((globalThis as { ran?: boolean }).ran, undefined);
});

Deno.test("host.load() refuses a plugin folder with a symlink that leaves it", async () => {
  await using fixture = await tempPlugin({ permissions: { read: ["./data"] } });
  await Deno.symlink("/etc", `${fixture.dir}/data`);
  await using host = createHost();
  await assert.rejects(host.load(fixture.dir), (error: unknown) => {
    assert.ok(error instanceof PluginLoadError);
    assert.match(
      error.message,
      /its folder holds a symlink data → \/etc, outside the plugin folder/,
    );
    return true;
  });
});

Deno.test("a declared package import is shown in the grant once the policy allows it", async () => {
  await using fixture = await tempPlugin({ imports: ["npm:left-pad"] }, `export const ok = 1;`);
  await using refusing = createHost({ isolation: "worker" });
  await assert.rejects(refusing.load(fixture.dir), /imports "npm:left-pad"/);
  await using host = createHost({ allow: { imports: ["npm:left-pad"] }, isolation: "worker" });
  const p = await host.load(fixture.dir);
  assert.deepEqual(p.permissions.imports, ["npm:left-pad"]);
  // The process tier resolves it to the exact version it provides the plugin.
  const inProcess = await host.load(fixture.dir, { isolation: "process" });
  assert.deepEqual(inProcess.permissions.imports, ["npm:left-pad@1.3.0"]);
});

Deno.test("host.load() gives up on a plugin that never finishes loading", async () => {
  await using fixture = await tempPlugin(
    { limits: { loadTimeoutMs: 100 } },
    `await new Promise(() => {});`,
  );
  await using host = createHost();
  await assert.rejects(host.load(fixture.dir), (error: unknown) => {
    assert.ok(error instanceof PluginLoadError);
    assert.match(error.message, /did not finish loading within 100 ms/);
    assert.match(error.message, /createHost\(\{ loadTimeoutMs \}\)/);
    return true;
  });
});

Deno.test("host.load() honours an abort signal", async () => {
  await using fixture = await tempPlugin({}, `await new Promise(() => {});`);
  await using host = createHost();
  const controller = new AbortController();
  const loading = host.load(fixture.dir, { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("stop loading")), 50);
  await assert.rejects(loading, /stop loading/);
  await assert.rejects(
    host.load(fixture.dir, { signal: AbortSignal.abort(new Error("never")) }),
    /never/,
  );
  assert.deepEqual(host.plugins, []);
});

Deno.test("createHost() rejects malformed options", () => {
  assert.throws(
    () => createHost({ callTimeoutMs: 0 }),
    /callTimeoutMs must be a positive number of milliseconds; current value is 0/,
  );
  assert.throws(() => createHost({ loadTimeoutMs: Number.NaN }), RangeError);
  assert.throws(
    () => createHost({ isolation: "thread" as "worker" }),
    /isolation "thread" is not a tier; use one of: inline, worker, process/,
  );
});

Deno.test("host.load() rejects a path of the wrong type", async () => {
  await using host = createHost();
  await assert.rejects(host.load(42 as unknown as string), TypeError);
  await assert.rejects(host.load(""), /path is empty/);
});
