/**
 * `sandplug call` as a subprocess: JSON arguments in, the result as JSON out
 * (or one line per streamed item), plugin errors as exit code 1 with the
 * typed error on stderr, and bad arguments as usage errors.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CLI, pluginFiles, ROOT, sandplug, tempDir } from "./_cli.ts";

const CALC = pluginFiles(
  "calc",
  { name: "calc" },
  `
import { variable } from "@sandplug/host/plugin";
export const total = variable(5);
export const add = (a: number, b: number) => a + b;
export const echo = (...args: unknown[]) => args;
export const kinds = () => ({
  big: 10n, map: new Map([["a", 1]]), set: new Set([1]), bytes: new Uint8Array([1, 2]),
  nothing: undefined, list: [undefined], date: new Date(0),
});
export function fail() { throw new RangeError("no way"); }
export const hang = () => new Promise(() => {});
export async function* count(n: number) { for (let i = 0; i < n; i++) yield { i }; }
export function chatty() { console.log("from the plugin"); return "logged"; }
`,
);

async function withCalc<T>(fn: (cwd: string) => Promise<T>): Promise<T> {
  await using dir = await tempDir(CALC);
  return await fn(dir.path);
}

Deno.test("call prints the result as indented JSON, or on one line with --json: exit 0", async () => {
  await withCalc(async (cwd) => {
    const text = await sandplug(["call", "calc", "echo", '"Ada"', '{"b":[1,null]}', "-2.5"], {
      cwd,
    });
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, `${JSON.stringify(["Ada", { b: [1, null] }, -2.5], null, 2)}\n`);
    assert.equal(text.stderr, "");
    const json = await sandplug(["call", "calc", "add", "2", "-3", "--json"], { cwd });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stdout, "-1\n");
  });
});

Deno.test("call prints what JSON cannot hold in a documented form", async () => {
  await withCalc(async (cwd) => {
    const run = await sandplug(["call", "calc", "kinds", "--json"], { cwd });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      big: "10",
      map: [["a", 1]],
      set: [1],
      bytes: [1, 2],
      list: [null],
      date: "1970-01-01T00:00:00.000Z",
    });
  });
});

Deno.test("call of a variable prints its value; with arguments it is a usage error", async () => {
  await withCalc(async (cwd) => {
    const run = await sandplug(["call", "calc", "total"], { cwd });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "5\n");
    const wrong = await sandplug(["call", "calc", "total", "1"], { cwd });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /Cannot call total: it is a variable, not a function/);
  });
});

Deno.test("call --stream prints one JSON line per item; without it, a note names the flag", async () => {
  await withCalc(async (cwd) => {
    for (const flags of [[], ["--json"]]) {
      const run = await sandplug(["call", "calc", "count", "3", "--stream", ...flags], { cwd });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, '{"i":0}\n{"i":1}\n{"i":2}\n');
    }
    const plain = await sandplug(["call", "calc", "count", "3"], { cwd });
    assert.equal(plain.code, 1);
    assert.equal(plain.stdout, "");
    assert.match(plain.stderr, /note: if count returns an async iterable .* read it with --stream/);
    assert.match(plain.stderr, /ValidationError: /);
  });
});

Deno.test("call --stream stops reading when its reader goes away (| head -2)", async () => {
  await withCalc(async (cwd) => {
    // A hundred million items: run to the end, this would not finish within the bound below.
    const command =
      `"${Deno.execPath()}" run -A "${CLI}" call calc count 100000000 --stream | head -2`;
    const { code, stdout } = await new Deno.Command("sh", {
      args: ["-c", command],
      cwd,
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(120_000),
    }).output();
    assert.equal(code, 0);
    assert.equal(new TextDecoder().decode(stdout), '{"i":0}\n{"i":1}\n');
  });
});

Deno.test("call: an argument that is not JSON is a usage error naming it", async () => {
  await withCalc(async (cwd) => {
    const run = await sandplug(["call", "calc", "add", "1", "Ada"], { cwd });
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /Cannot read argument 2 of the call as JSON: current value is "Ada"/);
    assert.match(run.stderr, /a string needs its JSON quotes inside the shell's: '"Ada"'/);
  });
});

Deno.test("call: a plugin that throws is exit 1 with the typed error on stderr; --json adds { error }", async () => {
  await withCalc(async (cwd) => {
    const run = await sandplug(["call", "calc", "fail"], { cwd });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.match(
      run.stderr,
      /^PluginCallError: Plugin "calc" threw from "fail": RangeError: no way/,
    );
    const json = await sandplug(["call", "calc", "fail", "--json"], { cwd });
    assert.equal(json.code, 1);
    const { error } = JSON.parse(json.stdout);
    assert.equal(error.name, "PluginCallError");
    assert.equal(error.code, "PLUGIN_THREW");
    assert.match(error.message, /RangeError: no way/);
  });
});

Deno.test("call --timeout: a call that never settles fails with PluginTimeoutError, exit 1", async () => {
  await withCalc(async (cwd) => {
    const run = await sandplug(["call", "calc", "hang", "--timeout", "300"], { cwd });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^PluginTimeoutError: /m);
    assert.match(run.stderr, /With sandplug, raise the deadline with --timeout <ms>\./);
    const json = await sandplug(["call", "calc", "hang", "--timeout", "300", "--json"], { cwd });
    assert.equal(json.code, 1);
    assert.equal(json.stdout.trim().split("\n").length, 1, "the error is one line of JSON");
    assert.equal(JSON.parse(json.stdout).error.code, "PLUGIN_TIMEOUT");
  });
});

Deno.test("call: the plugin's console output goes to stderr, tagged; stdout holds the result", async () => {
  await withCalc(async (cwd) => {
    const run = await sandplug(["call", "calc", "chatty"], { cwd });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '"logged"\n');
    assert.match(run.stderr, /\[calc\] from the plugin/);
  });
});

Deno.test("call: an unknown symbol, a bad manifest or a missing folder", async () => {
  await using dir = await tempDir({
    ...CALC,
    "broken/plugin.json": '{ "name": "broken" }',
    "empty/.keep": "",
  });
  const cwd = dir.path;
  const unknown = await sandplug(["call", "calc", "nope"], { cwd });
  assert.equal(unknown.code, 1);
  assert.match(
    unknown.stderr,
    /SymbolNotFoundError: Cannot find symbol "nope" in plugin "calc": it exports: /,
  );
  const broken = await sandplug(["call", "broken", "x"], { cwd });
  assert.equal(broken.code, 1);
  assert.match(
    broken.stderr,
    /ManifestError: Invalid plugin manifest: broken\/plugin\.json: version: is required/,
  );
  const missing = await sandplug(["call", "nowhere", "x"], { cwd });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Cannot call nowhere: it does not exist/);
  const empty = await sandplug(["call", "empty", "x"], { cwd });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /Cannot call empty: it holds no plugin\.json; pass a plugin folder/);
});

Deno.test("call --tier: inline and worker run it; worker without Deno's feature says which flags", async () => {
  await using dir = await tempDir(CALC);
  const cwd = dir.path;
  for (const tier of ["inline", "worker"]) {
    // The repository's deno.json turns the worker-options feature on.
    const run = await sandplug(["call", "calc", "add", "1", "2", "--tier", tier], {
      cwd,
      denoFlags: ["--config", new URL("deno.json", ROOT).pathname],
    });
    assert.equal(run.code, 0, `${tier}: ${run.stderr}`);
    assert.equal(run.stdout, "3\n");
  }
  const { imports } = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const config = join(cwd, "deno.json");
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      imports: Object.fromEntries(
        Object.entries<string>(imports).map((
          [key, value],
        ) => [key, value.startsWith("./") ? new URL(value, ROOT).pathname : value]),
      ),
    }),
  );
  const off = await sandplug(["call", "calc", "add", "1", "2", "--tier", "worker"], {
    cwd,
    denoFlags: ["--config", config, "--node-modules-dir=none"],
  });
  assert.equal(off.code, 2, off.stderr);
  assert.equal(off.stdout, "");
  assert.match(off.stderr, /Cannot load calc in the worker tier \(UnstableFlagError\)/);
  assert.match(
    off.stderr,
    /deno run -A --unstable-worker-options --no-prompt jsr:@sandplug\/host\/cli/,
  );
});
