/**
 * The worker tier never lets a plugin raise a permission prompt on the host's
 * terminal: on a terminal without --no-prompt it refuses to start. Uses
 * `script` (util-linux) to give the child host a real terminal.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "./_child_host.ts";

const HAS_SCRIPT = await new Deno.Command("script", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
})
  .output().then((output) => output.success, () => false);

async function onTerminal(flags: string, env = ""): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "host.ts");
    await Deno.writeTextFile(
      file,
      `
import { createHost } from "@sandplug/host";
import { tempPlugin } from ${JSON.stringify(join(ROOT, "tests/_helpers.ts"))};
await using fixture = await tempPlugin({}, "export const attack = () => Deno.hostname();");
await using host = createHost({ isolation: "worker" });
try {
  const plugin = await host.load(fixture.dir);
  await plugin.call("attack", [], { timeoutMs: 3000 });
} catch (error) {
  console.log("RESULT", error.name, error.message);
}
`,
    );
    const command = `${env} ${Deno.execPath()} run -A --config ${
      join(ROOT, "deno.json")
    } ${flags} ${file}`;
    const output = await new Deno.Command("timeout", {
      args: ["20", "script", "-qec", command, "/dev/null"],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    return new TextDecoder().decode(output.stdout).replaceAll("\r", "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "the worker tier refuses to start on a terminal where a plugin could raise a prompt",
  ignore: !HAS_SCRIPT,
  async fn() {
    const out = await onTerminal("");
    assert.doesNotMatch(out, /Deno requests/);
    assert.match(out, /RESULT PermissionPromptError Cannot start a plugin worker: .*--no-prompt/);
  },
});

Deno.test({
  name: "with --no-prompt or DENO_NO_PROMPT=1 a denied call fails at once on a terminal",
  ignore: !HAS_SCRIPT,
  async fn() {
    for (const [flags, env] of [["--no-prompt", ""], ["", "DENO_NO_PROMPT=1"]]) {
      const out = await onTerminal(flags, env);
      assert.doesNotMatch(out, /Deno requests/);
      assert.match(
        out,
        /RESULT PluginCallError .*NotCapable: Requires sys access to "hostname"/,
        out,
      );
    }
  },
});
