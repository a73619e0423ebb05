/**
 * The sandbox: a plugin holds exactly the Deno permissions its manifest asks
 * for and the host policy allows, and every other effect is denied by Deno
 * inside the plugin's isolate. A denial reaches the host as a
 * `PluginCallError` carrying Deno's own error name and message, and the
 * plugin keeps working afterwards.
 *
 * The names and messages asserted are those of Deno 2.9.6: most denials are
 * `NotCapable`, a computed `import()` of a file is a `TypeError`, and a sync
 * `node:child_process` spawn hides its run refusal behind "Command failed".
 * A variable outside the grant reads as unset (`tests/env_probe_test.ts`).
 *
 * @module
 */
import { createHost, type Plugin, PluginCallError, PluginLoadError } from "@sandplug/host";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { grantOf, tempPlugin } from "./_helpers.ts";

const READER = new URL("../plugins/reader", import.meta.url);

/** Deno's message for a denied permission, e.g. read of a path. */
function requires(kind: string, item?: string): string {
  const what = item === undefined ? `${kind} access` : `${kind} access to ${JSON.stringify(item)}`;
  return `Requires ${what}, run again with the --allow-${kind} flag`;
}

/** Asserts that `promise` rejects with the plugin's denial, as Deno reported it. */
async function assertDenied(
  plugin: Plugin,
  symbol: string,
  promise: Promise<unknown>,
  remote: { name: string; message: string | RegExp },
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PluginCallError, `expected a PluginCallError, got ${error}`);
    assert.equal(error.code, "PLUGIN_THREW");
    assert.equal(error.plugin, plugin.name);
    assert.equal(error.symbol, symbol);
    assert.equal(error.remoteName, remote.name);
    if (remote.message instanceof RegExp) {
      assert.match(error.remoteMessage, remote.message);
      return true;
    }
    assert.equal(error.remoteMessage, remote.message);
    assert.equal(
      error.message,
      `Plugin "${plugin.name}" threw from "${symbol}": ${remote.name}: ${remote.message}`,
    );
    return true;
  });
}

/** Asserts that the plugin still answers a harmless call. */
async function assertAlive(plugin: Plugin): Promise<void> {
  assert.equal(plugin.closed, false);
  assert.equal(await plugin.call("ping"), "pong");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** A loopback HTTP server answering `body`; `await using` shuts it down. */
function loopback(body: string): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response(body));
}

/** A temp file outside every plugin folder; `await using` removes it. */
async function outsideFile(content: string): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.realPath(await Deno.makeTempFile({ prefix: "sandplug-outside-" }));
  await Deno.writeTextFile(path, content);
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path);
    },
  };
}

const NOTHING_CODE = `
import { readFileSync } from "node:fs";
import process from "node:process";
import { execFileSync } from "node:child_process";

export const ping = () => "pong";
export const getEnv = (name) => Deno.env.get(name);
export const fetchText = async (url) => await (await fetch(url)).text();
export async function connect(port) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.close();
}
export function listen() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  listener.close();
}
export async function run() {
  const output = await new Deno.Command("true").output();
  return output.code;
}
export const writeFile = (path, text) => Deno.writeTextFile(path, text);
export const readFile = (path) => Deno.readTextFile(path);
export const hostname = () => Deno.hostname();
export function dlopen(path) {
  Deno.dlopen(path, {});
}
export async function importUrl(url) {
  const module = await import(url);
  return module.value;
}
export const importedOutside = () => globalThis.sandplugOutsideRan === true;
export const nodeReadFile = (path) => readFileSync(path, "utf8");
export const nodeEnv = (name) => process.env[name];
export const nodeRun = () => execFileSync("true").toString();
`;

const TIERS = ["worker", "process"] as const;

for (const tier of TIERS) {
  Deno.test(`plugins/reader reads a file of its granted data folder (${tier} tier)`, async () => {
    await using host = createHost({ isolation: tier });
    await using reader = await host.load(READER);
    const dir = await Deno.realPath(READER);
    assert.equal(reader.name, "reader");
    assert.deepEqual(reader.permissions.read, [dir, join(dir, "data")]);
    assert.deepEqual(reader.permissions.write, []);
    assert.equal(await reader.call("readData", ["hello.txt"]), "Hello from the reader plugin!\n");
    assert.equal(
      await reader.call("readPath", [join(dir, "data", "hello.txt")]),
      "Hello from the reader plugin!\n",
    );
  });

  Deno.test(`plugins/reader is denied every file outside its folder (${tier} tier)`, async (t) => {
    await using host = createHost({ isolation: tier });
    await using reader = await host.load(READER);
    await using outside = await outsideFile("secret of the host\n");
    const sibling = await Deno.realPath(new URL("../plugins/myplugin/mod.ts", import.meta.url));

    await t.step("a temp file the test wrote", async () => {
      await assertDenied(reader, "readPath", reader.call("readPath", [outside.path]), {
        name: "NotCapable",
        message: requires("read", outside.path),
      });
      await assertAlive(reader);
    });

    await t.step("/etc/hostname", async () => {
      await assertDenied(reader, "readPath", reader.call("readPath", ["/etc/hostname"]), {
        name: "NotCapable",
        message: requires("read", "/etc/hostname"),
      });
      await assertAlive(reader);
    });

    await t.step("another plugin's code, reached with ../ from its data folder", async () => {
      await assertDenied(
        reader,
        "readData",
        reader.call("readData", ["../../myplugin/mod.ts"]),
        { name: "NotCapable", message: requires("read", sibling) },
      );
      await assertAlive(reader);
    });

    assert.equal(await reader.call("readData", ["hello.txt"]), "Hello from the reader plugin!\n");
  });

  Deno.test(`a plugin granted nothing is denied every effect (${tier} tier)`, async (t) => {
    await using temp = await tempPlugin({ name: "nothing" }, NOTHING_CODE);
    // Outside the plugin folder: its parent holds only the plugin folder and these files.
    const parent = await Deno.realPath(temp.parent);
    const secret = join(parent, "secret.txt");
    await Deno.writeTextFile(secret, "secret of the host\n");
    const outsideModule = join(parent, "outside.js");
    await Deno.writeTextFile(
      outsideModule,
      "globalThis.sandplugOutsideRan = true;\nexport const value = 42;\n",
    );
    const written = join(parent, "written.txt");
    const library = join(parent, "libnative.so");
    await using server = loopback("reached the host's server");
    const port = server.addr.port;
    await using host = createHost({ isolation: tier });
    await using plugin = await host.load(temp.dir);
    const dir = await Deno.realPath(temp.dir);

    assert.deepEqual(plugin.permissions, grantOf(dir));

    const table: {
      effect: string;
      symbol: string;
      args: unknown[];
      name: string;
      message: string | RegExp;
    }[] = [
      {
        effect: "fetch to a loopback server",
        symbol: "fetchText",
        args: [`http://127.0.0.1:${port}/`],
        name: "NotCapable",
        message: requires("net", `127.0.0.1:${port}`),
      },
      {
        effect: "Deno.connect",
        symbol: "connect",
        args: [port],
        name: "NotCapable",
        message: requires("net", `127.0.0.1:${port}`),
      },
      {
        effect: "Deno.listen",
        symbol: "listen",
        args: [],
        name: "NotCapable",
        message: requires("net", "127.0.0.1:0"),
      },
      {
        effect: 'new Deno.Command("true").output()',
        symbol: "run",
        args: [],
        // The process tier clears the child's environment, PATH included, so a bare name is not even found.
        name: tier === "process" ? "NotFound" : "NotCapable",
        message: tier === "process"
          ? /Failed to spawn 'true'|No such file|not found/
          : requires("run", "true"),
      },
      {
        effect: "Deno.writeTextFile outside",
        symbol: "writeFile",
        args: [written, "written by the plugin"],
        name: "NotCapable",
        message: requires("write", written),
      },
      {
        effect: "Deno.readTextFile outside",
        symbol: "readFile",
        args: [secret],
        name: "NotCapable",
        message: requires("read", secret),
      },
      {
        effect: "Deno.hostname() (sys)",
        symbol: "hostname",
        args: [],
        name: "NotCapable",
        message: requires("sys", "hostname"),
      },
      {
        effect: "Deno.dlopen (ffi)",
        symbol: "dlopen",
        args: [library],
        name: "NotCapable",
        message: requires("ffi", library),
      },
      {
        // Deno 2.9.6 reports a denied dynamic import as a TypeError, not NotCapable.
        effect: "a computed import() of a file outside",
        symbol: "importUrl",
        args: [pathToFileURL(outsideModule).href],
        name: "TypeError",
        message: requires("read", outsideModule),
      },
      {
        effect: "node:fs readFileSync outside",
        symbol: "nodeReadFile",
        args: [secret],
        name: "NotCapable",
        message: requires("read", secret),
      },
      {
        // Deno 2.9.6's sync spawn drops the run refusal (as under --ignore-env): nothing runs.
        // The process tier clears the child's environment, PATH included: not even found.
        effect: "node:child_process execFileSync",
        symbol: "nodeRun",
        args: [],
        name: "Error",
        message: tier === "process" ? /^spawnSync true ENOENT/ : /^Command failed: true/,
      },
    ];

    for (const row of table) {
      await t.step(row.effect, async () => {
        await assertDenied(plugin, row.symbol, plugin.call(row.symbol, row.args), row);
        await assertAlive(plugin);
      });
    }

    // Outside the grant, an environment variable reads as unset.
    assert.equal(await plugin.call("getEnv", ["HOME"]), undefined);
    assert.equal(await plugin.call("nodeEnv", ["HOME"]), undefined);
    assert.equal(await exists(written), false, "the denied write must not create the file");
    assert.equal(await plugin.call("importedOutside"), false, "the denied module must not run");
    assert.equal(await Deno.readTextFile(secret), "secret of the host\n");
  });

  Deno.test(`a plugin granted one loopback host:port reaches it and no other port (${tier} tier)`, async () => {
    await using allowed = loopback("allowed server");
    await using other = loopback("other server");
    const item = `127.0.0.1:${allowed.addr.port}`;
    await using temp = await tempPlugin(
      { name: "netter", permissions: { net: [item] } },
      `export const ping = () => "pong";
export const fetchText = async (url) => await (await fetch(url)).text();
`,
    );
    await using host = createHost({ isolation: tier, allow: { net: [item] } });
    await using plugin = await host.load(temp.dir);
    assert.deepEqual(plugin.permissions.net, [item]);

    assert.equal(await plugin.call("fetchText", [`http://${item}/`]), "allowed server");
    const otherItem = `127.0.0.1:${other.addr.port}`;
    await assertDenied(plugin, "fetchText", plugin.call("fetchText", [`http://${otherItem}/`]), {
      name: "NotCapable",
      message: requires("net", otherItem),
    });
    await assertAlive(plugin);
    assert.equal(await plugin.call("fetchText", [`http://${item}/again`]), "allowed server");
  });

  Deno.test(`a plugin granted one env variable reads it and sees HOME unset (${tier} tier)`, async () => {
    const name = "SANDPLUG_TEST_VAR";
    Deno.env.set(name, "set by sandbox_test");
    try {
      await using temp = await tempPlugin(
        { name: "envy", permissions: { env: [name] } },
        `export const ping = () => "pong";
export const getEnv = (name) => Deno.env.get(name);
`,
      );
      await using host = createHost({ isolation: tier, allow: { env: [name] } });
      await using plugin = await host.load(temp.dir);
      assert.deepEqual(plugin.permissions.env, [name]);

      assert.equal(await plugin.call("getEnv", [name]), "set by sandbox_test");
      assert.equal(await plugin.call("getEnv", ["HOME"]), undefined); // outside the grant: unset
      assert.equal(await plugin.call("getEnv", [name]), "set by sandbox_test");
    } finally {
      Deno.env.delete(name);
    }
  });

  Deno.test(`a plugin granted write to ./out writes there and is denied next to it (${tier} tier)`, async () => {
    await using temp = await tempPlugin(
      { name: "writer", permissions: { write: ["./out"] } },
      `export const ping = () => "pong";
export async function writeOut(name, text) {
  await Deno.writeTextFile(new URL("./out/" + name, import.meta.url), text);
}
export async function writeBeside(name, text) {
  await Deno.writeTextFile(new URL("./" + name, import.meta.url), text);
}
`,
      { "out/.keep": "" },
    );
    const dir = await Deno.realPath(temp.dir);
    const out = join(dir, "out");
    await using host = createHost({ isolation: tier, allow: { write: [out] } });
    await using plugin = await host.load(temp.dir);
    assert.deepEqual(plugin.permissions.write, [out]);

    await plugin.call("writeOut", ["note.txt", "inside out"]);
    assert.equal(await Deno.readTextFile(join(out, "note.txt")), "inside out");

    const beside = join(dir, "note.txt");
    await assertDenied(plugin, "writeBeside", plugin.call("writeBeside", ["note.txt", "beside"]), {
      name: "NotCapable",
      message: requires("write", beside),
    });
    assert.equal(await exists(beside), false, "the denied write must not create the file");
    await assertAlive(plugin);
    await plugin.call("writeOut", ["note.txt", "still writable"]);
    assert.equal(await Deno.readTextFile(join(out, "note.txt")), "still writable");
  });
}

Deno.test("a worker-tier plugin may not write where process-tier plugins keep their module cache", async () => {
  // Worker permissions are allow lists only: a write grant over the temp folder would reach the
  // process tier's shared DENO_DIR there, so the worker tier refuses it and the process tier,
  // which can carve the folder out, accepts it.
  await using folder = await tempPlugin({ name: "temp-writer", permissions: { write: ["/tmp"] } });
  await using host = createHost({ allow: { write: ["/tmp"] }, log: () => {} });
  await assert.rejects(host.load(folder.dir, { isolation: "worker" }), (error: unknown) => {
    assert.ok(error instanceof PluginLoadError);
    assert.match(error.message, /its write grant \["\/tmp"\] covers \/tmp/);
    assert.match(error.message, /isolation: "process"/);
    return true;
  });
  const p = await host.load(folder.dir, { isolation: "process" });
  assert.deepEqual(p.permissions.write, ["/tmp"]);
  await using narrow = await tempPlugin({
    name: "narrow-writer",
    permissions: { write: ["/tmp/sandplug-test-out"] },
  });
  await using narrowHost = createHost({ allow: { write: ["/tmp"] }, log: () => {} });
  const worker = await narrowHost.load(narrow.dir, { isolation: "worker" });
  assert.deepEqual(worker.permissions.write, ["/tmp/sandplug-test-out"]);
});
