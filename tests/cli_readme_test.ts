/**
 * The README's CLI section shows each command's `--help` as the command
 * prints it: a change to a command's options or help fails here until the
 * README says the same.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ROOT, sandplug } from "./_cli.ts";

const README = await Deno.readTextFile(new URL("README.md", ROOT));

Deno.test("the README's CLI section holds each command's --help, word for word", async (t) => {
  for (const command of ["new", "check", "inspect", "call", "lock", "learn", "diff"]) {
    await t.step(command, async () => {
      const { stdout } = await sandplug([command, "--help"], { env: { NO_COLOR: "1" } });
      const block = README.match(new RegExp("```\\n(sandplug " + command + ": [^`]*)```"))?.[1];
      assert.ok(
        block !== undefined,
        `Cannot find the help of sandplug ${command} in README.md; paste its --help output there`,
      );
      assert.equal(block, stdout, `README.md's help of sandplug ${command} is out of date`);
    });
  }
  await t.step("the plugin authors' quick start starts with sandplug new", () => {
    const start = README.indexOf("## Quick start for plugin authors");
    assert.ok(start >= 0);
    const firstCode = README.slice(start).match(/```sh\n([^`]*)```/)?.[1] ?? "";
    assert.match(firstCode, /^(#.*\n)*deno run -A jsr:@sandplug\/host\/cli new /);
  });
});
