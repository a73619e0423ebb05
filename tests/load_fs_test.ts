/**
 * The load-time checks read the plugin folder synchronously, so a file that
 * would block a read (a FIFO) must never be read: it would stall the host's
 * whole thread, not just one load. Each case runs in a child host with a
 * deadline, so that a regression fails the test instead of hanging it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempPlugin } from "./_helpers.ts";

const ROOT = new URL("../", import.meta.url);

async function mkfifo(path: string): Promise<void> {
  const made = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert.ok(made.success, `mkfifo ${path} failed`);
}

/** Runs `code` in a fresh Deno process with a deadline and returns what it printed. */
async function runInChild(code: string): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--unstable-worker-options", code],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout).trim();
}

/** Loads the plugin at `dir` in a child host and returns the error it printed. */
function loadInChild(dir: string): Promise<string> {
  return runInChild(`
    import { createHost } from "@sandplug/host";
    await using host = createHost({ isolation: "worker" });
    await host.load(${JSON.stringify(dir)})
      .catch((error) => console.log(error.name + ": " + error.message));
  `);
}

Deno.test({
  name: "host.load() refuses a plugin.json that is a FIFO instead of blocking on it",
  ignore: Deno.build.os === "windows",
}, async () => {
  await using fixture = await tempPlugin({});
  await Deno.remove(join(fixture.dir, "plugin.json"));
  await mkfifo(join(fixture.dir, "plugin.json"));
  const printed = await loadInChild(fixture.dir);
  assert.match(printed, /^ManifestError: .*plugin\.json: is not a regular file/);
});

Deno.test({
  name: "host.load() refuses a plugin folder that holds a FIFO instead of blocking on it",
  ignore: Deno.build.os === "windows",
}, async () => {
  await using fixture = await tempPlugin({}, 'import "./lib/pipe.ts";\nexport const ok = true;\n');
  await Deno.mkdir(join(fixture.dir, "lib"));
  await mkfifo(join(fixture.dir, "lib", "pipe.ts"));
  const printed = await loadInChild(fixture.dir);
  assert.match(
    printed,
    /^PluginLoadError: .*its folder holds lib\/pipe\.ts, which is not a regular file \(a FIFO, socket or device\)/,
  );
});

Deno.test({
  name: "the import check skips a module that is a FIFO instead of blocking on it",
  ignore: Deno.build.os === "windows",
}, async () => {
  // Only the check runs here: Deno itself blocks on a FIFO module when a worker loads the plugin.
  await using fixture = await tempPlugin({}, 'import "./pipe.ts";\nexport const ok = true;\n');
  await mkfifo(join(fixture.dir, "pipe.ts"));
  const printed = await runInChild(`
    import { checkModuleGraph } from ${
    JSON.stringify(new URL("../src/load/module_graph.ts", import.meta.url).href)
  };
    const dir = ${JSON.stringify(fixture.dir)};
    const none = [];
    const grant = { read: [dir], write: none, net: none, env: none, run: none, ffi: none, sys: none, import: none, imports: none };
    checkModuleGraph("test-plugin", dir + "/mod.ts", dir, grant);
    console.log("checked");
  `);
  assert.equal(printed, "checked");
});
