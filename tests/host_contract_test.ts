/**
 * Tests of a contract's `host` section: kept by defineContract(), validating
 * host calls (hostCallValidator) and typing a load's `provide`.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { defineContract, fn, type Host, ValidationError, variable } from "@sandplug/host";
import { hostCallValidator } from "../src/contract/host_validation.ts";

const counter = defineContract({
  name: "counter",
  version: "1.0.0",
  symbols: { get: fn({ args: [z.string()], returns: z.number() }) },
  host: {
    sum: fn({ args: [z.number(), z.number()], returns: z.number() }),
    user: fn({ args: [z.string().transform(Number)], returns: z.string() }),
  },
});

Deno.test("defineContract() keeps a host section of fn() specs, empty when left out", () => {
  assert.deepEqual(Object.keys(counter.host), ["sum", "user"]);
  assert.ok(Object.isFrozen(counter.host));
  const plain = defineContract({ name: "plain", version: "1.0.0", symbols: {} });
  assert.deepEqual(plain.host, {});
  assert.throws(
    () =>
      defineContract({
        name: "bad",
        version: "1.0.0",
        symbols: {},
        host: { count: variable(z.number()) as never },
      }),
    /^TypeError: Cannot define contract "bad": host\.count must be made with fn\(\)/,
  );
  assert.throws(
    () => defineContract({ name: "bad", version: "1.0.0", symbols: {}, host: 1 as never }),
    /^TypeError: Cannot define contract "bad": host must be an object of fn\(\) specs; current value is 1$/,
  );
});

Deno.test("hostCallValidator() is undefined without a contract spec for the name", () => {
  assert.equal(hostCallValidator("p", undefined, "sum"), undefined);
  assert.equal(hostCallValidator("p", counter, "other"), undefined);
  assert.equal(hostCallValidator("p", counter, "toString"), undefined);
  const plain = defineContract({ name: "plain", version: "1.0.0", symbols: {} });
  assert.equal(hostCallValidator("p", plain, "sum"), undefined);
});

Deno.test("hostCallValidator() returns what the schemas output for valid arguments and results", async () => {
  const sum = hostCallValidator("counter", counter, "sum");
  assert.deepEqual(await sum?.args([1, 2]), [1, 2]);
  assert.equal(await sum?.result(3), 3);
  assert.deepEqual(await hostCallValidator("counter", counter, "user")?.args(["42"]), [42]);
});

Deno.test("hostCallValidator() throws a ValidationError naming the host function and the path", async (t) => {
  const sum = hostCallValidator("counter", counter, "sum");
  assert.ok(sum !== undefined);
  const cases: [string, () => Promise<unknown>, string, RegExp][] = [
    ["a bad argument", () => sum.args([1, "2"]), "args[1]", /expected number, received string/],
    ["a missing argument", () => sum.args([1]), "args[1]", /expected number/],
    ["too many arguments", () => sum.args([1, 2, 3]), "args", /at most 2 arguments, received 3/],
    ["a bad result", () => sum.result("3"), "result", /expected number, received string/],
  ];
  for (const [name, run, path, problem] of cases) {
    await t.step(name, async () => {
      await assert.rejects(run(), (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.plugin, "counter");
        assert.equal(error.symbol, "host.sum");
        assert.equal(error.path, path);
        assert.ok(
          error.message.startsWith(`Invalid value for "host.sum" of plugin "counter" at ${path}: `),
          error.message,
        );
        assert.match(error.message, problem);
        return true;
      });
    });
  }
});

// Type-checked by `deno test`, never run: `provide` is typed from the load's contract.
async function _provideIsTypedByTheContract(host: Host, dir: string): Promise<void> {
  await host.load(dir, {
    contract: counter,
    provide: {
      sum: (a, b) => a + b,
      user: (id) => Promise.resolve(id.toFixed()),
      extra: (s: string) => s,
    },
  });
  await host.load(dir, {
    contract: counter,
    // @ts-expect-error sum must return a number (or a promise of one)
    provide: { sum: (a, b) => `${a}${b}`, user: (id) => String(id) },
  });
  await host.load(dir, {
    contract: counter,
    // @ts-expect-error user receives what its schema outputs: a number
    provide: { sum: (a, b) => a + b, user: (id: string) => id },
  });
  // @ts-expect-error user is missing
  await host.load(dir, { contract: counter, provide: { sum: (a, b) => a + b } });
  // Without a contract, any functions will do, but only functions.
  await host.load(dir, { provide: { anything: (x: string) => x } });
  // @ts-expect-error a host function must be a function
  await host.load(dir, { provide: { sum: 42 } });
  // Every version of a list: the load provides what each may ask.
  const plain = defineContract({ name: "counter", version: "0.9.0", symbols: {} });
  await host.load(dir, {
    contract: [plain, counter] as const,
    provide: { sum: () => 1, user: String },
  });
  // @ts-expect-error counter 1.0.0 asks for user
  await host.load(dir, { contract: [plain, counter] as const, provide: { sum: () => 1 } });
}
