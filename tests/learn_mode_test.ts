/**
 * Learn mode: `host.load(dir, { learn: true })` runs the plugin with its
 * manifest's grant, and `p.learned()` gives the smallest `permissions` that
 * would have allowed what it did: a data file, an environment variable and a
 * loopback port, in every sandboxed tier.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHost } from "@sandplug/host";
import { tempPlugin } from "./_helpers.ts";

const PLUGIN = `
export const readData = (path) => Deno.readTextFile(path);
export const readOwn = () => Deno.readTextFile(new URL("./data/words.txt", import.meta.url));
export const env = () => Deno.env.get("SANDPLUG_LEARN_PROBE") ?? "unset";
export async function dial(port) {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  connection.close();
  return "connected";
}
export async function quietly(path, port) {
  // Refusals caught by plugin code: only Deno's audit (process tier) sees them.
  try { await Deno.readTextFile(path); } catch { /* ignored */ }
  try { (await Deno.connect({ hostname: "127.0.0.1", port })).close(); } catch { /* ignored */ }
  return "done";
}
`;

for (const tier of ["process", "worker"] as const) {
  Deno.test(`${tier} tier: learned() names the data file, the variable and the loopback port`, async () => {
    await using fixture = await tempPlugin(
      { permissions: { env: ["LANG"] } },
      PLUGIN,
      { "data/words.txt": "alpha\n" },
    );
    const outside = join(fixture.parent, "outside.json");
    await Deno.writeTextFile(outside, "{}");
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    await using host = createHost({
      isolation: tier,
      log: () => {},
      allow: { env: ["LANG"] },
    });
    const p = await host.load(fixture.dir, { learn: true });
    assert.equal(await p.call("readOwn"), "alpha\n", "its own folder needs no permission");
    await assert.rejects(p.call("readData", [outside]));
    assert.equal(await p.call("env"), "unset");
    await assert.rejects(p.call("dial", [port]));
    const { permissions, unresolved } = p.learned();
    assert.deepEqual(permissions, {
      read: [outside],
      net: [`127.0.0.1:${port}`],
      env: ["LANG", "SANDPLUG_LEARN_PROBE"],
    });
    assert.deepEqual(unresolved, []);
  });
}

Deno.test("process tier: learn mode also sees refusals plugin code caught", async () => {
  await using fixture = await tempPlugin({}, PLUGIN, { "data/words.txt": "alpha\n" });
  const outside = join(fixture.parent, "quiet.txt");
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using host = createHost({ isolation: "process", log: () => {} });
  const p = await host.load(fixture.dir, { learn: true });
  assert.equal(await p.call("quietly", [outside, listener.addr.port]), "done");
  assert.deepEqual(p.learned().permissions, {
    read: [outside],
    net: [`127.0.0.1:${listener.addr.port}`],
  });
});

Deno.test("learned() without learn mode is a TypeError saying how to turn it on", async () => {
  await using fixture = await tempPlugin({}, PLUGIN);
  await using host = createHost({ isolation: "worker", log: () => {} });
  const p = await host.load(fixture.dir);
  assert.throws(() => p.learned(), /load it with host\.load\(dir, \{ learn: true \}\)/);
});

Deno.test("process tier: a host that may not read its temp folder hears so at load, in learn mode", async () => {
  await using fixture = await tempPlugin({}, PLUGIN);
  const script = join(fixture.parent, "host.ts");
  const mod = new URL("../mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { createHost } from "${mod}";
await using host = createHost({ log: () => {} });
try {
  await host.load(${JSON.stringify(fixture.dir)}, { learn: true });
  console.log("loaded");
} catch (error) {
  console.log(error.name + ": " + error.message);
}
`,
  );
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      `--config=${new URL("../deno.json", import.meta.url).pathname}`,
      `--allow-read=${new URL("../", import.meta.url).pathname},${fixture.parent}`,
      `--allow-run=${Deno.execPath()}`,
      "--allow-write=/tmp",
      script,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.match(
    stdout,
    /PluginLoadError: .*learn mode reads Deno's permission audit .* --allow-read=\/tmp/,
    stdout + new TextDecoder().decode(output.stderr),
  );
});
