import assert from "node:assert/strict";
import { join } from "node:path";
import { fromFileUrl } from "../src/load/file_url.ts";

const ROOT = fromFileUrl(new URL("..", import.meta.url).href);
const HOST = `
import { createHost } from "@sandplug/host";
const host = createHost({ isolation: Deno.args[0] === "process" ? "process" : "worker" });
try {
  await host.load(${JSON.stringify(join(ROOT, "plugins/myplugin"))});
  console.log("loaded");
} catch (error) {
  console.log(error.name + ": " + error.message);
} finally {
  await host.close();
}
`;

/** Runs a host in a child `deno run` whose config is `config` plus the package's import map. */
async function runHost(
  flags: string[],
  config: Record<string, unknown>,
  tier = "worker",
): Promise<{ code: number; out: string }> {
  const dir = await Deno.makeTempDir({ prefix: "sandplug-flag-" });
  try {
    const own = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
    const imports = Object.fromEntries(
      Object.entries(own.imports as Record<string, string>).map(([key, value]) => [
        key,
        value.startsWith("./") ? join(ROOT, value) : value,
      ]),
    );
    await Deno.writeTextFile(join(dir, "deno.json"), JSON.stringify({ imports, ...config }));
    await Deno.writeTextFile(join(dir, "host.ts"), HOST);
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--cached-only", ...flags, "host.ts", tier],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const out = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    return { code: output.code, out };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a host without --unstable-worker-options gets an UnstableFlagError that names the fix", async () => {
  const { code, out } = await runHost([], {});
  assert.equal(code, 0, out); // Deno itself would have ended the process with code 70
  assert.match(out, /UnstableFlagError: Cannot start a plugin worker/);
  assert.match(out, /--unstable-worker-options/);
  assert.match(out, /"unstable": \["worker-options"\]/);
});

Deno.test("the worker-options feature is found on the command line or in deno.json", async (t) => {
  await t.step("--unstable-worker-options", async () => {
    const { out } = await runHost(["--unstable-worker-options"], {});
    assert.match(out, /^loaded$/m);
  });
  await t.step('"unstable": ["worker-options"] in deno.json', async () => {
    const { out } = await runHost([], { unstable: ["worker-options"] });
    assert.match(out, /^loaded$/m);
  });
});

Deno.test("the default process tier needs no unstable flag", async () => {
  const { out } = await runHost([], {}, "process");
  assert.match(out, /^loaded$/m);
});
