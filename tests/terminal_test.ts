/**
 * No tier makes Deno prompt on the host's terminal, and a host run with
 * narrow flags gets a typed error that names the missing flag, never a prompt
 * that waits for a human nor Deno's own exit. Each host runs in a child
 * `deno run` given a real terminal by `script` (util-linux); a child that
 * shows a prompt is killed at once and the test fails on its output.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fromFileUrl } from "../src/load/file_url.ts";
import { tempPlugin } from "./_helpers.ts";

const ROOT = fromFileUrl(new URL("..", import.meta.url).href);
const DENO = Deno.execPath();
const TMP = Deno.env.get("TMPDIR") || "/tmp";
const PROMPT = /Deno requests|Allow\? \[y\/n/;

const HAS_SCRIPT = await new Deno.Command("script", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
}).output().then((output) => output.success, () => false);

/** A host that loads the plugin in `Deno.args[1]` in tier `Deno.args[0]` and calls `hi()`. */
const HOST = `
import { createHost } from "@sandplug/host";
const [tier, dir, allow] = Deno.args;
await using host = createHost({ isolation: tier, allow: JSON.parse(allow ?? "{}") });
try {
  const plugin = await host.load(dir);
  console.log("RESULT", await plugin.call("hi", [], { timeoutMs: 5000 }));
} catch (error) {
  console.log("RESULT", error.name + ": " + error.message);
}
`;

interface TerminalRun {
  /** Everything the terminal showed, carriage returns removed. */
  out: string;
  /** Whether a permission prompt appeared (the child was then killed). */
  prompted: boolean;
  /** The command's exit code (`script -e` passes it on). */
  code: number;
}

function quote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs `argv` (after `env` assignments) on a terminal of its own. Stops it as
 * soon as a prompt shows, and after `timeoutMs` in any case.
 */
async function onTerminal(
  argv: string[],
  { env = {}, cwd = ROOT, timeoutMs = 60_000 }: {
    env?: Record<string, string>;
    cwd?: string;
    timeoutMs?: number;
  } = {},
): Promise<TerminalRun> {
  const assignments = Object.entries(env).map(([name, value]) => `${name}=${quote(value)}`);
  const command = [...assignments, ...argv.map(quote)].join(" ");
  const child = new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let out = "";
  let prompted = false;
  // SIGTERM makes script end the command it runs; SIGKILL would leave that behind.
  const stop = () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(stop, timeoutMs);
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    out += decoder.decode(chunk, { stream: true }).replaceAll("\r", "");
    if (!prompted && PROMPT.test(out)) {
      prompted = true;
      stop();
    }
  }
  const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
  clearTimeout(timer);
  return { out: out + stderr, prompted, code: status.code };
}

/** A throw-away host script and plugin, and the flags that run the script. */
async function fixture(manifest: Record<string, unknown> = {}) {
  const plugin = await tempPlugin(manifest, 'export const hi = () => "hi";\n');
  const script = join(plugin.parent, "host.ts");
  await Deno.writeTextFile(script, HOST);
  return { plugin, script, config: ["--config", join(ROOT, "deno.json")] };
}

Deno.test({
  name: "the process tier loads on a terminal with only the flags its errors name, and no prompt",
  ignore: !HAS_SCRIPT,
  async fn(t) {
    const { plugin, script, config } = await fixture();
    await using _ = plugin;
    const base = [`--allow-read=${plugin.dir}`, `--allow-write=${TMP}`];
    const cases: [string, string[]][] = [
      ["deno alone, each child watching its host", [`--allow-run=${DENO}`]],
      // The host may read the temp folder but not /bin/sh, which it runs as the reaper.
      ["deno and /bin/sh", [`--allow-run=${DENO},/bin/sh`, `--allow-read=${TMP}`]],
    ];
    for (const [name, flags] of cases) {
      await t.step(name, async () => {
        const run = await onTerminal([
          DENO,
          "run",
          ...config,
          ...base,
          ...flags,
          script,
          "process",
          plugin.dir,
        ]);
        assert.ok(!run.prompted, run.out);
        assert.match(run.out, /^RESULT hi$/m, run.out);
      });
    }
  },
});

Deno.test({
  name: "a host that may not read the plugin folder gets a PluginLoadError naming --allow-read",
  ignore: !HAS_SCRIPT,
  async fn() {
    const { plugin, script, config } = await fixture();
    await using _ = plugin;
    const run = await onTerminal([DENO, "run", ...config, script, "inline", plugin.dir]);
    assert.ok(!run.prompted, run.out);
    assert.match(
      run.out,
      new RegExp(`RESULT PluginLoadError: .*may not read its folder.*--allow-read=${plugin.dir}`),
    );
  },
});

Deno.test({
  name: "a write grant the host may not read is checked for links without a prompt",
  ignore: !HAS_SCRIPT,
  async fn() {
    const { plugin, script, config } = await fixture();
    await using _ = plugin;
    const out = join(plugin.parent, "out");
    await Deno.mkdir(out);
    await Deno.writeTextFile(
      join(plugin.dir, "plugin.json"),
      JSON.stringify({
        name: "writer",
        version: "1.0.0",
        entry: "mod.ts",
        permissions: { write: [out] },
      }),
    );
    const allow = JSON.stringify({ write: [out] });
    // The host writes the temp folder (the process tier's cache) but reads only the plugin.
    const run = await onTerminal([
      DENO,
      "run",
      ...config,
      `--allow-read=${plugin.dir}`,
      `--allow-write=${TMP}`,
      `--allow-run=${DENO}`,
      script,
      "process",
      plugin.dir,
      allow,
    ]);
    assert.ok(!run.prompted, run.out);
    assert.match(run.out, /^RESULT hi$/m, run.out);
  },
});

Deno.test({
  name: "the worker tier on a terminal tells a host that cannot see --no-prompt how to let it",
  ignore: !HAS_SCRIPT,
  async fn(t) {
    const { plugin, script, config } = await fixture();
    await using _ = plugin;
    const read = `--allow-read=${plugin.dir},${join(ROOT, "src")},${join(ROOT, "deno.json")}`;
    const argv = (
      flags: string[],
    ) => [DENO, "run", ...config, read, ...flags, script, "worker", plugin.dir];
    await t.step("--no-prompt alone cannot be seen without --allow-all", async () => {
      const run = await onTerminal(argv(["--no-prompt"]));
      assert.ok(!run.prompted, run.out);
      assert.match(
        run.out,
        /RESULT PermissionPromptError: .*cannot tell whether prompts are off.*DENO_NO_PROMPT=1 and --allow-env=DENO_NO_PROMPT/,
      );
    });
    await t.step("DENO_NO_PROMPT=1 with --allow-env=DENO_NO_PROMPT is seen", async () => {
      const run = await onTerminal(argv(["--allow-env=DENO_NO_PROMPT"]), {
        env: { DENO_NO_PROMPT: "1" },
      });
      assert.ok(!run.prompted, run.out);
      assert.match(run.out, /^RESULT hi$/m, run.out);
    });
  },
});

/** Runs the host with a deno.json of its own (the package's imports, plus `extra`). */
async function withOwnConfig(extra: Record<string, unknown>, flags: string[]) {
  const { plugin, script } = await fixture();
  await using _ = plugin;
  const own = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const imports = Object.fromEntries(
    Object.entries(own.imports as Record<string, string>).map(([key, value]) => [
      key,
      value.startsWith("./") ? join(ROOT, value) : value,
    ]),
  );
  const configFile = join(plugin.parent, "deno.json");
  await Deno.writeTextFile(configFile, JSON.stringify({ imports, ...extra }));
  const read = `--allow-read=${plugin.dir},${join(ROOT, "src")}`;
  return await onTerminal(
    [
      DENO,
      "run",
      "--cached-only",
      read,
      "--allow-env=DENO_NO_PROMPT",
      ...flags,
      script,
      "worker",
      plugin.dir,
    ],
    { cwd: plugin.parent, env: { DENO_NO_PROMPT: "1" } },
  );
}

Deno.test({
  name: "a worker-tier host with narrow flags gets an UnstableFlagError, never Deno's exit code 70",
  ignore: !HAS_SCRIPT,
  async fn(t) {
    await t.step("without --unstable-worker-options", async () => {
      const run = await withOwnConfig({}, []);
      assert.equal(run.code, 0, run.out);
      assert.doesNotMatch(run.out, /Unstable API/);
      assert.match(run.out, /RESULT UnstableFlagError: .*cannot tell whether it is on/);
      assert.match(run.out, /"unstable": \["worker-options"\]/);
    });
    await t.step("with the flag but no deno.json the host may read that says so", async () => {
      const run = await withOwnConfig({}, ["--unstable-worker-options"]);
      assert.match(run.out, /RESULT UnstableFlagError: .*let the host read that file/);
    });
    await t.step('"unstable": ["worker-options"] in a deno.json the host may read', async () => {
      const run = await withOwnConfig({ unstable: ["worker-options"] }, ["--allow-read=deno.json"]);
      assert.match(run.out, /^RESULT hi$/m, run.out);
    });
  },
});

Deno.test({
  name: "deno task demo runs on a terminal without a prompt",
  ignore: !HAS_SCRIPT,
  async fn() {
    const run = await onTerminal([DENO, "task", "demo"], { timeoutMs: 120_000 });
    assert.ok(!run.prompted, run.out);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /My custom code prints PluginInputNumber: 7/);
    assert.match(run.out, /Hello, Ada!/);
  },
});
