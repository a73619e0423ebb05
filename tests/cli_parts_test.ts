/**
 * The parts of the `sandplug` command that a subprocess cannot reach
 * directly: reading a command line, turning plugin values into JSON, and the
 * progress line's drawing and erasing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type CommandSpec, jsonArguments, parseCommand } from "../src/cli/args.ts";
import { CyclicValueError, toJsonValue } from "../src/cli/output.ts";
import { Progress } from "../src/cli/progress.ts";
import { UsageError } from "../src/cli/exit_code.ts";

const SPEC: CommandSpec = {
  name: "call",
  summary: "",
  arguments: ["<dir>", "<symbol>", "[json-args...]"],
  count: { min: 2, max: Infinity },
  description: "",
  options: { tier: { type: "string", description: "" } },
  json: "",
  exits: { ok: "", problems: "" },
  examples: [],
  jsonArguments: true,
};

Deno.test("parseCommand() keeps negative numbers as JSON arguments, in order, among options", () => {
  const parsed = parseCommand(SPEC, [
    "dir",
    "add",
    "-1",
    "--tier",
    "worker",
    "-2.5",
    "3",
    "--json",
  ]);
  assert.deepEqual(parsed.positionals, ["dir", "add", "-1", "-2.5", "3"]);
  assert.equal(parsed.values.tier, "worker");
  assert.equal(parsed.json, true);
  assert.deepEqual(jsonArguments(parsed.positionals.slice(2)), [-1, -2.5, 3]);
  // After "--" anything is an argument, an option's spelling included.
  assert.deepEqual(parseCommand(SPEC, ["d", "s", "--", '"--tier"']).positionals, [
    "d",
    "s",
    '"--tier"',
  ]);
  assert.throws(() => parseCommand(SPEC, ["d", "s", "-x"]), UsageError);
  assert.throws(
    () => parseCommand({ ...SPEC, jsonArguments: false }, ["d", "s", "-1"]),
    UsageError,
  );
});

Deno.test("parseCommand() with --help skips the argument count", () => {
  assert.equal(parseCommand(SPEC, ["--help"]).help, true);
  assert.throws(() => parseCommand(SPEC, ["dir"]), /Cannot call: missing <symbol>/);
});

Deno.test("toJsonValue() gives what JSON holds, and refuses a value that holds itself", () => {
  assert.equal(toJsonValue(undefined), null);
  assert.deepEqual(toJsonValue([1n, new BigInt64Array([2n])]), ["1", ["2"]]);
  assert.deepEqual(toJsonValue(new Map([[{ k: 1 }, new Set(["a"])]])), [[{ k: 1 }, ["a"]]]);
  assert.deepEqual(toJsonValue(new Uint8Array([1, 2]).buffer), [1, 2]);
  assert.deepEqual(toJsonValue(new DataView(new Uint8Array([9, 8, 7]).buffer, 1)), [8, 7]);
  assert.deepEqual(toJsonValue({ a: undefined, b: /x/g, c: new RangeError("no") }), {
    b: "/x/g",
    c: { name: "RangeError", message: "no" },
  });
  assert.equal(toJsonValue(Object(5)), 5);
  const shared = { n: 1 };
  assert.deepEqual(toJsonValue([shared, shared]), [{ n: 1 }, { n: 1 }], "met twice is no cycle");
  const cyclic: Record<string, unknown> = { a: { b: [] } };
  (cyclic.a as { b: unknown[] }).b.push(cyclic);
  assert.throws(() => toJsonValue(cyclic), CyclicValueError);
  assert.throws(() => toJsonValue(cyclic), /it refers to itself at result\.a\.b\[0\]/);
});

Deno.test("Progress writes nothing when disabled, and erases the line it drew on stop", async () => {
  const off: string[] = [];
  const disabled = new Progress({ enabled: false, write: (text) => off.push(text), delayMs: 0 });
  await disabled.around("working", () => new Promise((resolve) => setTimeout(resolve, 20)));
  assert.deepEqual(off, []);

  const written: string[] = [];
  const { promise: drawn, resolve } = Promise.withResolvers<void>();
  using progress = new Progress({
    enabled: true,
    write: (text) => {
      written.push(text);
      resolve();
    },
    delayMs: 0,
    columns: () => 24,
  });
  progress.start("loading plugins/a-very-long-name");
  await drawn;
  assert.equal(progress.shown, true);
  // deno-lint-ignore no-control-regex -- terminal escapes are what is tested
  assert.match(written[0], /^\r\x1b\[K⠋ loading plugins\/a-ve…$/, "one row, cut to the width");
  progress.stop();
  assert.equal(progress.shown, false);
  assert.equal(written.at(-1), "\r\x1b[K");
  const count = written.length;
  progress.stop();
  assert.equal(written.length, count, "stop() twice erases once");
});
