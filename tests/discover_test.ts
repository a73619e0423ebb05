/**
 * discoverPlugins(): which folders are plugins, how a bad one is reported
 * without failing the rest, and that the order is stable.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ManifestError, PluginError, PluginLoadError } from "@sandplug/host";
import { discoverPlugins } from "../src/load/discover.ts";

const GOOD = { version: "1.0.0", entry: "mod.ts" };

/** A temp folder (its real path) removed on dispose. */
async function tempRoot(): Promise<{ root: string } & AsyncDisposable> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "sandplug-discover-" }));
  return { root, [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }) };
}

/** Writes `files` (relative path → content; an object is written as JSON) under `root`. */
async function write(root: string, files: Record<string, string | object>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    await Deno.mkdir(join(full, ".."), { recursive: true });
    await Deno.writeTextFile(full, typeof content === "string" ? content : JSON.stringify(content));
  }
}

/** A loadable plugin folder's files, under `folder`. */
function plugin(folder: string, name: string): Record<string, string | object> {
  return {
    [`${folder}/plugin.json`]: { name, ...GOOD },
    [`${folder}/mod.ts`]: "export const ok = true;\n",
  };
}

Deno.test("discoverPlugins() finds good plugins and reports bad ones among non-plugin folders", async () => {
  await using tmp = await tempRoot();
  const { root } = tmp;
  await write(root, {
    ...plugin("alpha", "alpha"),
    ...plugin("gamma", "gamma"),
    "bad-json/plugin.json": "{ not json",
    "bad-json/mod.ts": "",
    "bad-field/plugin.json": { name: "bad-field", entry: "mod.ts" },
    "no-entry/plugin.json": { name: "no-entry", ...GOOD },
    "notes/readme.md": "not a plugin",
    ...plugin(".hidden", "hidden"),
    ...plugin("node_modules/pkg", "pkg"),
    ...plugin("node_modules", "modules"),
    "loose.json": { name: "loose", ...GOOD },
    "plugin-in-a-file": "a file, not a folder",
  });
  await Deno.mkdir(join(root, "empty"));

  const { found, problems } = await discoverPlugins(root);

  assert.deepEqual(found.map((p) => [p.dir, p.manifest.name, p.manifest.version]), [
    [join(root, "alpha"), "alpha", "1.0.0"],
    [join(root, "gamma"), "gamma", "1.0.0"],
  ]);
  assert.deepEqual(
    problems.map((p) => [p.dir, p.error.name]),
    [
      [join(root, "bad-field"), "ManifestError"],
      [join(root, "bad-json"), "ManifestError"],
      [join(root, "no-entry"), "ManifestError"],
    ],
  );
  for (const { error } of problems) assert.ok(error instanceof ManifestError);
  assert.match(problems[0].error.message, /version/);
  assert.match(problems[2].error.message, /entry/);
});

Deno.test("discoverPlugins() lists folders in the same order whatever order they were made in", async () => {
  await using tmp = await tempRoot();
  const names = ["m", "B", "a", "z-2", "z-10", "é", "_x", "0"];
  for (const name of names) await write(tmp.root, plugin(name, `p${names.indexOf(name)}`));
  await write(tmp.root, { "c/plugin.json": "[]", "Y/plugin.json": "{" });

  const first = await discoverPlugins(tmp.root);
  const again = await discoverPlugins(tmp.root);

  const folders = (list: readonly { dir: string }[]) =>
    list.map((p) => p.dir.slice(tmp.root.length + 1));
  assert.deepEqual(folders(first.found), ["0", "B", "_x", "a", "m", "z-10", "z-2", "é"]);
  assert.deepEqual(folders(first.problems), ["Y", "c"]);
  assert.deepEqual(folders(again.found), folders(first.found));
  assert.deepEqual(folders(again.problems), folders(first.problems));
});

Deno.test("discoverPlugins() takes a folder that is itself a plugin as the one plugin", async () => {
  await using tmp = await tempRoot();
  await write(tmp.root, { ...plugin("one", "one"), ...plugin("one/vendor/inner", "inner") });

  const { found, problems } = await discoverPlugins(new URL(`file://${join(tmp.root, "one")}`));

  assert.deepEqual(found.map((p) => [p.dir, p.manifest.name]), [[join(tmp.root, "one"), "one"]]);
  assert.deepEqual(problems, []);
});

Deno.test({
  name: "discoverPlugins() follows links to folders and reports dangling ones and duplicates",
  ignore: Deno.build.os === "windows",
}, async () => {
  await using tmp = await tempRoot();
  await using outside = await tempRoot();
  await write(outside.root, plugin("real", "linked"));
  await write(tmp.root, { ...plugin("greeter-1", "greeter"), ...plugin("greeter-2", "greeter") });
  await Deno.symlink(join(outside.root, "real"), join(tmp.root, "linked"));
  await Deno.symlink(join(tmp.root, "greeter-2"), join(tmp.root, "latest"));
  await Deno.symlink(join(tmp.root, "gone"), join(tmp.root, "dangling"));
  await Deno.symlink(join(tmp.root, "greeter-1", "mod.ts"), join(tmp.root, "file-link"));

  const { found, problems } = await discoverPlugins(tmp.root);

  assert.deepEqual(found.map((p) => [p.dir, p.manifest.name]), [
    [join(tmp.root, "greeter-1"), "greeter"],
    [join(outside.root, "real"), "linked"],
  ]);
  assert.deepEqual(problems.map((p) => [p.dir, p.error.name]), [
    [join(tmp.root, "dangling"), "PluginLoadError"],
    [join(tmp.root, "greeter-2"), "PluginLoadError"],
    [join(tmp.root, "latest"), "PluginLoadError"],
  ]);
  assert.match(problems[0].error.message, /is a link to a folder that does not exist/);
  assert.match(problems[1].error.message, /holds a plugin named "greeter" too/);
  assert.equal(problems[1].error.plugin, "greeter");
  assert.match(
    problems[2].error.message,
    /latest leads to .*greeter-2, as .*greeter-2 does; remove the link/,
  );
});

Deno.test({
  name: "discoverPlugins() reports a folder the system will not let it read, and goes on",
  // Root reads every folder whatever its mode.
  ignore: Deno.build.os === "windows" || Deno.uid() === 0,
}, async () => {
  await using tmp = await tempRoot();
  await write(tmp.root, { ...plugin("locked", "locked"), ...plugin("open", "open") });
  await Deno.chmod(join(tmp.root, "locked"), 0o000);
  try {
    const { found, problems } = await discoverPlugins(tmp.root);
    assert.deepEqual(found.map((p) => p.manifest.name), ["open"]);
    assert.equal(problems.length, 1);
    assert.ok(problems[0].error instanceof PluginLoadError);
    assert.match(problems[0].error.message, /cannot be read/);
  } finally {
    await Deno.chmod(join(tmp.root, "locked"), 0o755);
  }
});

Deno.test({
  name: "discoverPlugins() reports a link to a folder the host may not read, without a prompt",
  ignore: Deno.build.os === "windows",
}, async () => {
  await using tmp = await tempRoot();
  await using outside = await tempRoot();
  await write(outside.root, plugin("real", "outside"));
  await write(tmp.root, plugin("inside", "inside"));
  await Deno.symlink(join(outside.root, "real"), join(tmp.root, "linked"));
  const code = `
    import { discoverPlugins } from ${
    JSON.stringify(import.meta.resolve("../src/load/discover.ts"))
  };
    const { found, problems } = await discoverPlugins(${JSON.stringify(tmp.root)});
    console.log(JSON.stringify({
      found: found.map((p) => p.manifest.name),
      problems: problems.map((p) => p.error.name + ": " + p.error.message),
    }));
  `;
  // `deno eval` grants everything: `deno run -` keeps to the flags.
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--config=${new URL("../deno.json", import.meta.url).pathname}`,
      `--allow-read=${tmp.root}`,
      "--no-prompt",
      "-",
    ],
    cwd: tmp.root,
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).spawn();
  const stdin = child.stdin.getWriter();
  await stdin.write(new TextEncoder().encode(code));
  await stdin.close();
  const output = await child.output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, stderr);
  const result = JSON.parse(new TextDecoder().decode(output.stdout));
  assert.deepEqual(result.found, ["inside"]);
  assert.equal(result.problems.length, 1);
  assert.match(result.problems[0], /^PluginLoadError: .*--allow-read=/);
});

Deno.test("discoverPlugins() throws a typed error with a fix for a folder that is missing or not a folder", async (t) => {
  await using tmp = await tempRoot();
  await write(tmp.root, { "file.txt": "x" });

  await t.step("missing", async () => {
    const missing = join(tmp.root, "nope");
    await assert.rejects(discoverPlugins(missing), (error: Error) => {
      assert.ok(error instanceof Deno.errors.NotFound);
      assert.ok(!(error instanceof PluginError));
      assert.match(
        error.message,
        /^Cannot discover plugins in .*nope: it does not exist; pass the folder/,
      );
      return true;
    });
  });
  await t.step("a file", async () => {
    await assert.rejects(discoverPlugins(join(tmp.root, "file.txt")), (error: Error) => {
      assert.ok(error instanceof Deno.errors.NotADirectory);
      assert.match(
        error.message,
        /it is not a folder; pass the folder that holds the plugin folders/,
      );
      return true;
    });
  });
  await t.step("not a path", async () => {
    await assert.rejects(discoverPlugins(""), TypeError);
    await assert.rejects(discoverPlugins(42 as unknown as string), /current value is 42/);
  });
});

Deno.test("discoverPlugins() finds nothing in an empty folder", async () => {
  await using tmp = await tempRoot();
  assert.deepEqual(await discoverPlugins(tmp.root), { found: [], problems: [] });
});
