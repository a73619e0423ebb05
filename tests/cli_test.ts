/**
 * The `sandplug` command as a whole, run as a subprocess: its help, its exit
 * codes for usage errors, and colours and the progress line only on a
 * terminal and never with NO_COLOR.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  COLOUR,
  HAS_SCRIPT,
  pluginFiles,
  PLUGINS,
  sandplug,
  sandplugOnTerminal,
  tempDir,
} from "./_cli.ts";

const COMMANDS = ["new", "check", "inspect", "call", "lock", "learn", "diff"];

Deno.test("sandplug --help lists every command and exits 0", async () => {
  const run = await sandplug(["--help"]);
  assert.equal(run.code, 0, run.stderr);
  for (const command of COMMANDS) assert.match(run.stdout, new RegExp(`^  ${command} `, "m"));
  assert.match(run.stdout, /Exit codes: 0 all is well, 1 problems found, 2 a usage error/);
  assert.equal(run.stderr, "");
});

Deno.test("each command's --help shows its usage, options and exit codes", async (t) => {
  for (const command of COMMANDS) {
    await t.step(command, async () => {
      const run = await sandplug([command, "--help"]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: sandplug ${command} `, "m"));
      assert.match(run.stdout, /--json/);
      assert.match(run.stdout, /-h, --help/);
      assert.match(run.stdout, /^ {2}2 {2}a usage error$/m);
      assert.match(run.stdout, new RegExp(`^  sandplug ${command} `, "m"), "an example");
      assert.equal(run.stderr, "");
      assert.equal((await sandplug(["help", command])).stdout, run.stdout, "help <command>");
    });
  }
});

Deno.test("no command, or an unknown one, is a usage error (2) with the command list on stderr", async () => {
  for (const args of [[], ["frobnicate"]]) {
    const run = await sandplug(args);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /Commands:/);
    assert.match(
      run.stderr,
      args.length === 0 ? /no command given/ : /"frobnicate": it is not a command/,
    );
  }
});

Deno.test("an unknown option or a missing argument is a usage error naming it", async (t) => {
  const cases: [string[], RegExp][] = [
    [["check", PLUGINS, "--frob"], /unknown option --frob\n/],
    [["check"], /Cannot check: missing <dir\.\.\.>/],
    [["call", `${PLUGINS}greeter`], /Cannot call: missing <symbol>/],
    [["diff", "a", "b", "c"], /Cannot diff: too many arguments: \["c"\]/],
    [["inspect", `${PLUGINS}greeter`, "--policy"], /argument missing/],
    [
      ["call", `${PLUGINS}greeter`, "greet", "--tier", "thread"],
      /--tier "thread": it is not an isolation tier/,
    ],
    [["call", `${PLUGINS}greeter`, "greet", "--timeout", "soon"], /--timeout "soon"/],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" "), async () => {
      const run = await sandplug(args);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, "");
      assert.match(run.stderr, message);
      assert.match(run.stderr, /Run sandplug \w+ --help for its usage/);
    });
  }
});

Deno.test("a usage error prints nothing on stdout with --json either", async () => {
  const run = await sandplug(["check", "--json"]);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, "");
});

Deno.test("sandplug --version prints the package version", async () => {
  const { version } = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const run = await sandplug(["--version"]);
  assert.equal(run.code, 0);
  assert.equal(run.stdout, `sandplug ${version}\n`);
});

Deno.test("output on a pipe has no colour and no progress line, with NO_COLOR or without", async () => {
  for (const env of [{}, { NO_COLOR: "1" }] as Record<string, string>[]) {
    const run = await sandplug(["inspect", `${PLUGINS}greeter`], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout + run.stderr, COLOUR);
    assert.doesNotMatch(run.stderr, /loading/);
    assert.match(run.stdout, /^greeter 1\.1\.0$/m);
  }
});

/** A plugin whose load takes 1.5 s at least: longer than the progress line's delay, on any machine. */
const SLOW = pluginFiles(
  "slow",
  { name: "slow" },
  [
    "await new Promise((resolve) => setTimeout(resolve, 1500));",
    "export const ok = () => true;",
  ].join("\n"),
);

Deno.test({
  name:
    "on a terminal: colours, and a progress line that is erased; NO_COLOR keeps the line, not colours",
  ignore: !HAS_SCRIPT,
  async fn() {
    await using dir = await tempDir(SLOW);
    const coloured = await sandplugOnTerminal(["inspect", "slow"], { cwd: dir.path });
    assert.equal(coloured.code, 0, coloured.output);
    assert.match(coloured.output, COLOUR);
    // The last frame of the line is erased before the result is written.
    const last = coloured.output.slice(coloured.output.lastIndexOf("loading slow"));
    // deno-lint-ignore no-control-regex -- terminal escapes are what is tested
    assert.match(last, /^loading slow [0-9.]+s\x1b\[22m\r\x1b\[K\x1b\[1mslow\x1b\[22m 1\.0\.0/);
    const plain = await sandplugOnTerminal(["inspect", "slow"], {
      cwd: dir.path,
      env: { NO_COLOR: "1" },
    });
    assert.equal(plain.code, 0, plain.output);
    assert.doesNotMatch(plain.output, COLOUR);
    // deno-lint-ignore no-control-regex -- terminal escapes are what is tested
    assert.match(plain.output, /loading slow [0-9.]+s\r\x1b\[Kslow 1\.0\.0/);
  },
});
