/**
 * The examples users copy run as written: each is started as its own
 * `deno run` with exactly the flags of its `deno.json` task (the ones its
 * `Run:` line and the README show), off a terminal and on one, and prints
 * what it promises.
 */
import assert from "node:assert/strict";
import { fromFileUrl } from "../src/load/file_url.ts";

const ROOT = fromFileUrl(new URL("..", import.meta.url).href);
const TASKS: Record<string, string> = JSON.parse(
  await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
).tasks;

/** Its first run may fetch the package from the npm registry. */
const TIMEOUT_MS = 120_000;

const HAS_SCRIPT = await new Deno.Command("script", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
}).output().then((output) => output.success, () => false);

/** The `deno` arguments of a task that is one plain `deno …` command. */
function taskArgs(name: string): string[] {
  const [deno, ...args] = TASKS[name].split(" ");
  assert.equal(deno, "deno", `task ${name} should be one plain deno command: ${TASKS[name]}`);
  return args;
}

/** Runs `deno <args>` from the repository's root; on a terminal of its own (`script`) if asked. */
async function run(args: string[], terminal: boolean): Promise<{ code: number; out: string }> {
  // On a terminal, `script` runs the same command line under a pseudo-terminal.
  const [program, programArgs] = terminal
    ? ["script", ["-qec", [Deno.execPath(), ...args].join(" "), "/dev/null"]]
    : [Deno.execPath(), args];
  const command = new Deno.Command(program, {
    args: programArgs,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const output = await command.output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).replaceAll("\r", "");
  return { code: output.code, out: decode(output.stdout) + decode(output.stderr) };
}

Deno.test("examples/markdown.ts is run by demo:markdown, demo and its Run: line alike", async () => {
  const command = TASKS["demo:markdown"];
  assert.match(command, /examples\/markdown\.ts$/);
  assert.ok(TASKS.demo.split(" && ").includes(command), `demo should run: ${command}`);
  const source = await Deno.readTextFile(new URL("../examples/markdown.ts", import.meta.url));
  assert.ok(source.includes(`Run: ${command}\n`), `its Run: line should read: ${command}`);
});

for (const terminal of [false, true]) {
  Deno.test({
    name: `examples/markdown.ts renders Markdown with npm:marked in the process tier ${
      terminal ? "on a terminal" : "off a terminal"
    }`,
    ignore: terminal && !HAS_SCRIPT,
    async fn() {
      const { code, out } = await run(taskArgs("demo:markdown"), terminal);
      assert.equal(code, 0, out);
      assert.doesNotMatch(out, /Deno requests|Allow\? \[y\/n/);
      assert.match(out, /loaded "markdown" in the process tier/);
      // The exact version installed, within the major plugin.json declares.
      assert.match(out, /packages: \["npm:marked@18\.\d+\.\d+"\]/);
      assert.match(out, /<h1>Release notes<\/h1>/);
      assert.match(out, /<strong>import npm packages<\/strong>/);
      assert.match(out, /<li>runs in the <del>worker<\/del> process tier<\/li>/);
      // The host set the plugin's options variable: line breaks became <br>.
      assert.match(out, /<p>One line<br>and the next<\/p>/);
    },
  });
}
