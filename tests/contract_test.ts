import assert from "node:assert/strict";
import { z } from "zod";
import {
  createHost,
  defineContract,
  fn,
  IncompatiblePluginError,
  PluginLoadError,
  PROTOCOL_VERSION,
  ValidationError,
  variable,
} from "@sandplug/host";
import { PluginHost } from "../src/host/host.ts";
import { workerTier } from "../src/isolation/worker/tier.ts";
import type { IsolationTier } from "../src/isolation/types.ts";
import { tempPlugin } from "./_helpers.ts";
import { greeterV1, greeterV1_1 } from "../plugins/greeter/contract.ts";

const GREETER = new URL("../plugins/greeter", import.meta.url);

const greeterV2 = defineContract({
  name: "greeter",
  version: "2.0.0",
  symbols: { greet: fn({ args: [z.string(), z.string()], returns: z.string() }) },
});

const LIAR = `
import { variable } from "@sandplug/host/plugin";
export const greetings = variable("many");
export function greet(name: unknown): unknown { return name === "number" ? 42 : "Hi " + String(name); }
`;

Deno.test("a contract types lookup() and validates arguments and results at the boundary", async (t) => {
  await using host = createHost();
  const p = await host.load(GREETER, { contract: greeterV1 });
  assert.equal(p.contract, greeterV1);
  const greet = p.lookup("greet");
  assert.equal(await greet("Ada"), "Hello, Ada!");

  await t.step("a bad argument is a ValidationError naming the symbol and the path", async () => {
    await assert.rejects(greet(""), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.symbol, "greet");
      assert.equal(error.path, "args[0]");
      assert.equal(error.plugin, "greeter");
      assert.match(
        error.message,
        /Invalid value for "greet" of plugin "greeter" at args\[0\]: Too small/,
      );
      return true;
    });
    await assert.rejects(
      p.call("greet", [42]),
      /at args\[0\]: Invalid input: expected string, received number/,
    );
  });

  await t.step("too many arguments is a ValidationError", async () => {
    await assert.rejects(
      p.call("greet", ["a", "b"]),
      /at args: expected at most 1 arguments, received 2/,
    );
  });

  await t.step("a variable's writes are validated", async () => {
    const greetings = p.lookup("greetings");
    await assert.rejects(greetings.set(1.5), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.path, "value");
      return true;
    });
    await greetings.set(10);
    assert.equal(await greetings.get(), 10);
  });
});

Deno.test("a contract validates what the plugin sends back", async () => {
  await using fixture = await tempPlugin({ implements: { greeter: "1.0.0" } }, LIAR);
  await using host = createHost();
  const p = await host.load(fixture.dir, { contract: greeterV1 });
  assert.equal(await p.lookup("greet")("Bo"), "Hi Bo");
  await assert.rejects(p.lookup("greet")("number"), (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.equal(error.path, "result");
    assert.match(error.message, /at result: Invalid input: expected string, received number/);
    return true;
  });
  await assert.rejects(
    p.lookup("greetings").get(),
    /at value: Invalid input: expected number, received string/,
  );
});

Deno.test("createHost({ validate: false }) skips boundary validation", async () => {
  await using fixture = await tempPlugin({ implements: { greeter: "1.0.0" } }, LIAR);
  await using host = createHost({ validate: false });
  const p = await host.load(fixture.dir, { contract: greeterV1 });
  assert.equal(await p.call("greet", ["number"]), 42);
  assert.equal(await p.lookup("greetings").get(), "many");
});

Deno.test("host.load() checks every contract symbol at load time and reports all mismatches at once", async () => {
  await using fixture = await tempPlugin(
    { implements: { greeter: "1.0.0" } },
    `export const greet = "not a function"; export function other() {}`,
  );
  await using host = createHost();
  await assert.rejects(host.load(fixture.dir, { contract: greeterV1 }), (error: unknown) => {
    assert.ok(error instanceof IncompatiblePluginError);
    assert.deepEqual(error.problems, [
      'contract "greeter" 1.0.0 needs "greet" to be a function, but it is a value',
      'contract "greeter" 1.0.0 needs variable "greetings", which it does not export',
    ]);
    assert.match(error.message, /\(2 problems\)/);
    return true;
  });
  assert.deepEqual(host.plugins, []);
});

Deno.test("contract versions: the plugin's implements must fall in the host's range", async (t) => {
  await using host = createHost();
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      "no implements entry",
      {},
      /does not implement contract "greeter" \(the host wants \^1\); add "implements": \{ "greeter": "1.0.0" \}/,
    ],
    [
      "a newer major",
      { greeter: "2.0.0" },
      /implements "greeter" 2\.0\.0, outside the host's range \^1 for contract version 1\.0\.0/,
    ],
    [
      "an older major",
      { greeter: "0.9.0" },
      /implements "greeter" 0\.9\.0, outside the host's range \^1/,
    ],
    ["another contract only", { counter: "1.0.0" }, /does not implement contract "greeter"/],
  ];
  for (const [name, implemented, message] of cases) {
    await t.step(name, async () => {
      await using fixture = await tempPlugin(
        { implements: implemented },
        `export function greet() { return ""; }`,
      );
      await assert.rejects(host.load(fixture.dir, { contract: greeterV1 }), (error: unknown) => {
        assert.ok(error instanceof IncompatiblePluginError);
        assert.equal(error.plugin, "test-plugin");
        assert.match(error.message, message);
        return true;
      });
    });
  }
  await t.step("a minor version in range is accepted", async () => {
    await using fixture = await tempPlugin(
      { implements: { greeter: "1.7.3" } },
      `import { variable } from "@sandplug/host/plugin"; export const greetings = variable(0); export function greet(n: string) { return n; }`,
    );
    const p = await host.load(fixture.dir, { contract: greeterV1 });
    assert.equal(p.contract?.version, "1.0.0");
    await p.close();
  });
});

Deno.test("a list of contract versions negotiates the highest one the plugin implements", async (t) => {
  await using host = createHost();
  await t.step("greeter 1.1 is chosen for a plugin built against 1.1", async () => {
    const p = await host.load(GREETER, { contract: [greeterV1, greeterV2, greeterV1_1] });
    assert.equal(p.contract?.version, "1.1.0");
    assert.equal(await p.call("farewell", ["Ada"]), "Goodbye, Ada.");
    await p.close();
  });
  await t.step("greeter 1.0 is chosen for a plugin built against 1.0", async () => {
    await using fixture = await tempPlugin(
      { implements: { greeter: "1.0.4" } },
      `import { variable } from "@sandplug/host/plugin"; export const greetings = variable(0); export function greet(n: string) { return n; }`,
    );
    const p = await host.load(fixture.dir, { contract: [greeterV1_1, greeterV1] });
    assert.equal(p.contract?.version, "1.0.0");
    await p.close();
  });
  await t.step("no version fits: every one is named", async () => {
    await using fixture = await tempPlugin({ implements: { greeter: "3.0.0" } });
    await assert.rejects(
      host.load(fixture.dir, { contract: [greeterV1, greeterV2] }),
      (error: unknown) => {
        assert.ok(error instanceof IncompatiblePluginError);
        assert.equal(error.problems.length, 2);
        assert.match(
          error.problems[0],
          /outside the host's range \^2 for contract version 2\.0\.0/,
        );
        assert.match(
          error.problems[1],
          /outside the host's range \^1 for contract version 1\.0\.0/,
        );
        return true;
      },
    );
  });
});

Deno.test("defineContract(), fn() and variable() reject malformed definitions", () => {
  assert.throws(
    () => defineContract({ name: "", version: "1.0.0", symbols: {} }),
    /name must be a non-empty string/,
  );
  assert.throws(
    () => defineContract({ name: "x", version: "1", symbols: {} }),
    /version must be a semantic version such as "1.0.0"; current value is "1"/,
  );
  assert.throws(
    () => defineContract({ name: "x", version: "1.0.0", range: "not a range", symbols: {} }),
    /range must be a semver range/,
  );
  assert.throws(
    () =>
      defineContract({ name: "x", version: "1.0.0", symbols: { a: { kind: "class" } as never } }),
    /symbols\.a must be made with fn\(\) or variable\(\)/,
  );
  assert.throws(
    () => fn({ args: [42 as never], returns: z.string() }),
    /args\[0\] is not a schema/,
  );
  assert.throws(
    () => fn({ args: [], returns: undefined as never }),
    /returns is missing; use z\.void\(\)/,
  );
  assert.throws(() => variable({} as never), /pass a zod schema such as z\.number\(\)/);
  assert.equal(defineContract({ name: "x", version: "0.3.1", symbols: {} }).range, "^0");
});

function tierSpeaking(protocol: number): IsolationTier {
  return {
    name: "fake",
    enforces: { permissions: true, memoryLimit: true },
    start(_spec, events) {
      return {
        send(message) {
          if (message.type === "init") {
            queueMicrotask(() => events.message({ type: "ready", protocol, symbols: [] }));
          }
        },
        terminate() {},
      };
    },
  };
}

Deno.test("the handshake refuses a runtime that speaks another protocol version, naming both", async () => {
  await using host = new PluginHost({ isolation: "fake" as "worker" }, {
    fake: tierSpeaking(PROTOCOL_VERSION + 1),
  });
  await assert.rejects(host.load(GREETER), (error: unknown) => {
    assert.ok(error instanceof IncompatiblePluginError);
    assert.match(
      error.message,
      new RegExp(
        `speaks sandplug protocol ${
          PROTOCOL_VERSION + 1
        } but this host speaks protocol ${PROTOCOL_VERSION}`,
      ),
    );
    return true;
  });
  await using same = new PluginHost({ isolation: "fake" as "worker" }, {
    fake: tierSpeaking(PROTOCOL_VERSION),
    worker: workerTier,
  });
  const p = await same.load(GREETER);
  assert.deepEqual(p.symbols, []);
});

Deno.test("a tier that ends during the handshake fails the load with PluginLoadError", async () => {
  const dying: IsolationTier = {
    name: "dying",
    enforces: { permissions: true, memoryLimit: true },
    start(_spec, events) {
      return { send: () => queueMicrotask(() => events.exit("exit code 3")), terminate() {} };
    },
  };
  await using host = new PluginHost({ isolation: "dying" as "worker" }, { dying });
  await assert.rejects(host.load(GREETER), /its isolate ended while loading: exit code 3/);
  await assert.rejects(host.load(GREETER), PluginLoadError);
});
