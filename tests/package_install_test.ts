/**
 * How the process tier installs a plugin's packages before its child starts:
 * what a failed install says, what a bare name gets, and that an abandoned
 * load stops only its own wait. Needs the npm registry (reachable here) the
 * first time a package is fetched into the Deno cache.
 */
import assert from "node:assert/strict";
import { createHost, ImportDeniedError, PluginLoadError } from "../mod.ts";
import { tempPlugin } from "./_helpers.ts";

const LEFT_PAD =
  `import leftPad from "npm:left-pad@1";\nexport const pad = (s: string) => leftPad(s, 5, ".");\n`;

Deno.test("a package that does not exist fails the load, naming it and how to fix it", async () => {
  await using fixture = await tempPlugin(
    { imports: ["npm:sandplug-no-such-package-4c1d@1"] },
    `import "npm:sandplug-no-such-package-4c1d@1";\nexport const ok = 1;\n`,
  );
  await using host = createHost({ allow: { imports: true } });
  await assert.rejects(host.load(fixture.dir), (error: unknown) => {
    assert.ok(error instanceof PluginLoadError);
    assert.match(
      error.message,
      /its packages \(npm:sandplug-no-such-package-4c1d@1\) could not be installed/,
    );
    assert.match(error.message, /'sandplug-no-such-package-4c1d' does not exist/);
    assert.match(error.message, /check each name and version in plugin\.json/);
    assert.doesNotMatch(error.message, /Stack backtrace|resolve\.ts/);
    return true;
  });
});

Deno.test("a package declared by a bare name cannot be resolved by the process tier: PluginLoadError", async () => {
  await using fixture = await tempPlugin({ imports: ["left-pad"] }, `export const ok = 1;\n`);
  await using host = createHost({ allow: { imports: true } });
  await assert.rejects(
    host.load(fixture.dir),
    /imports the package "left-pad" by a bare name, .*write "npm:left-pad"/,
  );
});

Deno.test("the code may leave a declared version out, but not ask for another", async () => {
  await using fixture = await tempPlugin(
    { imports: ["npm:left-pad@1"] },
    `import leftPad from "npm:left-pad";\nexport const pad = (s: string) => leftPad(s, 3);\n`,
  );
  await using host = createHost({ allow: { imports: ["npm:left-pad"] } });
  const p = await host.load(fixture.dir);
  assert.equal(await p.call("pad", ["a"]), "  a");
  assert.deepEqual(p.permissions.imports, ["npm:left-pad@1.3.0"]);
  await using other = await tempPlugin(
    { imports: ["npm:left-pad@1"] },
    `export { default } from "npm:left-pad@0.0.3";\n`,
  );
  await assert.rejects(host.load(other.dir), (error: unknown) => {
    assert.ok(error instanceof ImportDeniedError);
    assert.match(
      error.message,
      /mod\.ts:1 imports "npm:left-pad@0\.0\.3": plugin\.json declares "npm:left-pad@1"/,
    );
    return true;
  });
});

Deno.test("plugins that import alike share one install; an aborted load stops only its own wait", async () => {
  await using a = await tempPlugin({ name: "pad-a", imports: ["npm:left-pad@1"] }, LEFT_PAD);
  await using b = await tempPlugin({ name: "pad-b", imports: ["npm:left-pad@1"] }, LEFT_PAD);
  await using host = createHost({ allow: { imports: ["npm:left-pad"] } });
  const controller = new AbortController();
  const first = host.load(a.dir, { signal: controller.signal });
  const second = host.load(b.dir);
  // Both wait on the install by now (checks take milliseconds; an install, two deno runs).
  await new Promise((resolve) => setTimeout(resolve, 100));
  controller.abort(new Error("not this one"));
  await assert.rejects(first, /not this one/);
  const p = await second;
  assert.equal(await p.call("pad", ["x"]), "....x");
});

/** Whether this machine can run a process without network (`unshare -n`, as root). */
function canRunOffline(): boolean {
  try {
    return new Deno.Command("unshare", { args: ["-n", "true"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "once a package is in the Deno cache, a host loads it with no network at all",
  ignore: !canRunOffline(),
  async fn() {
    await using fixture = await tempPlugin({ imports: ["npm:left-pad@1"] }, LEFT_PAD);
    // Fetched into the cache with the network, by this process.
    await using host = createHost({ allow: { imports: ["npm:left-pad"] } });
    await host.load(fixture.dir);
    const script = `import { createHost } from "@sandplug/host";
await using host = createHost({ allow: { imports: ["npm:left-pad"] } });
const p = await host.load(${JSON.stringify(fixture.dir)});
console.log(await p.call("pad", ["z"]), JSON.stringify(p.permissions.imports));`;
    const dir = await Deno.makeTempDir({ prefix: "sandplug-offline-" });
    try {
      await Deno.writeTextFile(`${dir}/host.ts`, script);
      const config = new URL("../deno.json", import.meta.url).pathname;
      const { code, stdout, stderr } = await new Deno.Command("unshare", {
        args: ["-n", Deno.execPath(), "run", "-A", `--config=${config}`, `${dir}/host.ts`],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder();
      assert.equal(code, 0, text.decode(stderr));
      assert.equal(text.decode(stdout).trim(), `....z ["npm:left-pad@1.3.0"]`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a bare package name in the code is refused with the spelling that works in every tier", async () => {
  await using fixture = await tempPlugin(
    {},
    `import leftPad from "left-pad";\nexport const ok = leftPad;\n`,
  );
  await using host = createHost({ allow: { imports: true } });
  await assert.rejects(host.load(fixture.dir), (error: unknown) => {
    assert.ok(error instanceof ImportDeniedError);
    assert.match(
      error.message,
      /mod\.ts:1 imports "left-pad": a bare package name .* write "npm:left-pad" in the code and add "imports": \["npm:left-pad"\]/,
    );
    return true;
  });
});
