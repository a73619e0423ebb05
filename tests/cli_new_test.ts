/**
 * `sandplug new` as a subprocess, end to end as a plugin author uses it: the
 * folder it makes in a project whose deno.json maps @sandplug/host to this
 * checkout passes its own test in every tier, checks clean and answers a call.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, sandplug, tempDir } from "./_cli.ts";

/** A plugin author's deno.json, with this checkout standing in for the package. */
async function projectConfig(): Promise<Record<string, unknown>> {
  const { imports } = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const map: Record<string, string> = {};
  for (const [name, target] of Object.entries<string>(imports)) {
    map[name] = target.startsWith("./") ? new URL(target, ROOT).pathname : target;
  }
  map["@sandplug/host/testing"] = new URL("testing.ts", ROOT).pathname;
  return { imports: map, unstable: ["worker-options"] };
}

/** `deno <args>` in `cwd`, its output as text. */
async function deno(cwd: string, args: string[]): Promise<{ code: number; out: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, out: text.decode(stdout) + text.decode(stderr) };
}

Deno.test("new makes a plugin whose test passes as made, in every tier; check and call work on it", async () => {
  await using project = await tempDir({ "deno.json": JSON.stringify(await projectConfig()) });
  const cwd = project.path;
  const made = await sandplug(["new", "plugins/hello"], { cwd });
  assert.equal(made.code, 0, made.stderr);
  assert.equal(made.stderr, "", "the project maps everything: no notes");
  assert.match(
    made.stdout,
    /^made plugin hello in plugins\/hello:\n {2}plugins\/hello\/plugin\.json\n/,
  );
  assert.match(made.stdout, /deno test -A --no-prompt plugins\/hello +# its test, in every tier/);
  const process = await sandplug([
    "new",
    "plugins/indexer",
    "--name",
    "search-indexer",
    "--tier",
    "process",
  ], {
    cwd,
  });
  assert.equal(process.code, 0, process.stderr);
  assert.deepEqual(
    (await Array.fromAsync(Deno.readDir(join(cwd, "plugins/hello")))).map((e) => e.name).sort(),
    ["mod.ts", "mod_test.ts", "plugin.json"],
  );
  const manifest = JSON.parse(await Deno.readTextFile(join(cwd, "plugins/indexer/plugin.json")));
  assert.equal(manifest.name, "search-indexer");
  assert.equal(manifest.isolation, "process");
  assert.equal(manifest.$schema, "https://jsr.io/@sandplug/host/0.1.0/plugin.schema.json");

  const tested = await deno(cwd, ["test", "-A", "--no-prompt", "plugins/"]);
  assert.equal(tested.code, 0, tested.out);
  assert.match(
    tested.out,
    /hello: greet\(\) greets by name .*\n {2}process tier \.\.\. ok.*\n {2}worker tier \.\.\. ok.*\n {2}inline tier (?:\([^)]*\) )?\.\.\. ok/,
  );
  assert.match(tested.out, /search-indexer: greet\(\) .*\n {2}process tier \.\.\. ok/);
  assert.match(tested.out, /ok \| 2 passed \(4 steps\) \| 0 failed/);

  const checked = await sandplug(["check", "plugins"], { cwd });
  assert.equal(checked.code, 0, checked.stdout);
  const called = await sandplug(["call", "plugins/hello", "greet", '"Ada"'], { cwd });
  assert.equal(called.stdout, '"Hello, Ada!"\n');
});

Deno.test("new outside any project also writes a deno.json that maps the package from JSR", async () => {
  await using dir = await tempDir();
  const run = await sandplug(["new", "hello", "--json"], { cwd: dir.path });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), {
    dir: "hello",
    name: "hello",
    files: ["plugin.json", "mod.ts", "mod_test.ts", "deno.json"],
    notes: [],
  });
  const config = JSON.parse(await Deno.readTextFile(join(dir.path, "hello/deno.json")));
  assert.deepEqual(config, {
    imports: { "@sandplug/host": "jsr:@sandplug/host@^0.1.0" },
    unstable: ["worker-options"],
    tasks: { test: "deno test -A --no-prompt" },
  });
});

const { exports } = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));

Deno.test({
  name:
    "new outside a project: with the package linked as JSR would give it, `deno task test` passes",
  // Needs deno.json to export "./testing", as the published package does.
  ignore: exports["./testing"] === undefined,
  async fn() {
    await using dir = await tempDir();
    assert.equal((await sandplug(["new", "hello"], { cwd: dir.path })).code, 0);
    const file = join(dir.path, "hello/deno.json");
    const config = JSON.parse(await Deno.readTextFile(file));
    await Deno.writeTextFile(file, JSON.stringify({ ...config, links: [ROOT.pathname] }));
    const tested = await deno(join(dir.path, "hello"), ["task", "test"]);
    assert.equal(tested.code, 0, tested.out);
    assert.match(tested.out, /ok \| 1 passed \(3 steps\)/);
  },
});

Deno.test("new in a project whose deno.json lacks the package or the worker feature: notes say what to add", async () => {
  await using project = await tempDir({
    "deno.json": '{ "imports": { "@sandplug/host": "../sandplug/mod.ts" } }',
  });
  const run = await sandplug(["new", "plugins/hello"], { cwd: project.path });
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stderr,
    /^note: deno\.json maps @sandplug\/host to \.\.\/sandplug\/mod\.ts but not @sandplug\/host\/plugin; add "@sandplug\/host\/plugin"/m,
  );
  assert.match(run.stderr, /^note: .*not @sandplug\/host\/testing/m);
  assert.match(
    run.stderr,
    /^note: deno\.json does not turn on Deno's worker-options feature.*add "unstable": \["worker-options"\]/m,
  );
  await using bare = await tempDir({ "deno.json": "{}" });
  const unmapped = await sandplug(["new", "p"], { cwd: bare.path });
  assert.match(
    unmapped.stderr,
    /^note: deno\.json does not map @sandplug\/host; add "@sandplug\/host": "jsr:@sandplug\/host@\^0\.1\.0"/m,
  );
});

Deno.test("new refuses a folder in the way, a name plugin.json cannot hold and --tier inline: exit 2", async (t) => {
  await using dir = await tempDir({ "taken/notes.txt": "mine" });
  const cases: [string[], RegExp][] = [
    [
      ["taken"],
      /Cannot make a plugin in taken: it already holds notes\.txt; pass a new or empty folder/,
    ],
    [
      ["My_Plugin"],
      /Cannot make a plugin named "My_Plugin" \(the folder's name\): name: must start with a lowercase letter.*; pass --name/,
    ],
    [["ok", "--name", "9lives"], /Cannot make a plugin named "9lives": name: /],
    [["ok", "--tier", "inline"], /Cannot use --tier inline for a new plugin/],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" "), async () => {
      const run = await sandplug(["new", ...args], { cwd: dir.path });
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, "");
      assert.match(run.stderr, message);
    });
  }
  assert.deepEqual(await Deno.readTextFile(join(dir.path, "taken/notes.txt")), "mine");
  await assert.rejects(Deno.stat(join(dir.path, "ok")), Deno.errors.NotFound);
});
