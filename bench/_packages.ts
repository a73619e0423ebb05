/**
 * Issue 11's package scenario: load to first call of a plugin that imports a
 * real npm package (`bench/plugins/markdown`, whose entry imports
 * `npm:marked@15`), in the process and worker tiers, against a raw
 * `deno run` of the same module from the same (the user's) Deno cache.
 *
 * @module
 */
import { createHost, type Host } from "@sandplug/host";
// Internal, for one diagnostic subject: the package set the process tier made for the plugin.
import { packageSetFor } from "../src/isolation/process/package_set.ts";
import type { Row, Section } from "./_report.ts";
import { guarded, type Results } from "./_results.ts";
import type { SuiteConfig } from "./_suites.ts";

/** The package-using benchmark plugin's folder. */
export const MARKDOWN_PLUGIN = new URL("./plugins/markdown/", import.meta.url);
const RAW_MAIN = new URL("./fixtures/markdown_main.ts", import.meta.url);

/** What the plugin's manifest declares, and the spelling its code writes. */
const DECLARED = "npm:marked@15";

const MARKDOWN = "# Title\n\nSome *emphasis* and a [link](https://example.com).\n";
const HTML = '<h1>Title</h1>\n<p>Some <em>emphasis</em> and a <a href="https://example.com">' +
  "link</a>.</p>\n";

/** The pause after each sample: the instance just closed is torn down in the background. */
const SETTLE_MS = 150;

/** One kind of instance to time from start to its first rendered result. */
type Subject = () => Promise<number>;

function check(html: unknown, who: string): void {
  if (html !== HTML) {
    throw new Error(`Cannot benchmark: ${who} rendered ${JSON.stringify(html)}, not the HTML`);
  }
}

function log(text: string): void {
  console.error(`bench: packages: ${text}`);
}

/** What one load to first call took, and the packages the plugin's grant held. */
interface Loaded {
  ms: number;
  imports: readonly string[];
}

/** `host.load(dir)` plus the first `render()`; the plugin is closed after the clock stops. */
async function loadAndRender(host: Host, tier: string): Promise<Loaded> {
  const start = performance.now();
  const plugin = await host.load(MARKDOWN_PLUGIN);
  const html = await plugin.lookup<(markdown: string) => string>("render")(MARKDOWN);
  const elapsed = performance.now() - start;
  await plugin.close();
  check(html, `the plugin in the ${tier} tier`);
  return { ms: elapsed, imports: plugin.permissions.imports };
}

/**
 * Spawn of `deno <args>` to the HTML it prints, in ms. The child's exit is
 * not timed, as a plugin's close is not.
 */
async function rawRun(args: readonly string[]): Promise<number> {
  const start = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [...args, RAW_MAIN.href, MARKDOWN],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    text += decoder.decode(chunk, { stream: true });
    if (text.includes("\n")) break;
  }
  const elapsed = performance.now() - start;
  const [status, stderr] = await Promise.all([
    child.status,
    new Response(child.stderr).text(),
  ]);
  if (!status.success) {
    throw new Error(`Cannot benchmark: the raw run failed: ${stderr.trim().split("\n").at(-1)}`);
  }
  check(JSON.parse(text), "the raw run");
  return elapsed;
}

/** The raw baseline: the user's Deno cache, nothing fetched, no config of the bench's. */
const RAW_ARGS = ["run", "--no-config", "--no-lock", "--cached-only", "--no-prompt"];

/**
 * The raw run with the flags the process tier's child gets for packages: the
 * set's `deno.json` (its `node_modules` folder and frozen lock), cache-only.
 */
function rawWithSetArgs(exact: readonly string[]): string[] {
  const set = packageSetFor(exact, [DECLARED]);
  if (set === undefined) {
    throw new Error(
      `Cannot benchmark: the process tier made no package set for ${exact.join(", ")} ` +
        "that bench/_packages.ts can find; update its lookup",
    );
  }
  return ["run", `--config=${set.config}`, "--cached-only", "--no-prompt"];
}

/**
 * Times each subject `config.heavyRuns` times, interleaved run by run, after
 * one first load per tier (timed apart: it installs the package set, or
 * resolves the package in the host) and one untimed raw run.
 */
export async function packageSuite(results: Results, config: SuiteConfig): Promise<void> {
  const hosts: Host[] = [];
  const subjects: [string, Subject][] = [];
  // The exact versions the process tier resolved: the key of its package set.
  let exact: readonly string[] = [];
  for (const isolation of ["process", "worker"] as const) {
    const id = `sp-${isolation}`;
    await guarded(results, [`pkg-first:${id}`, `pkg:${id}`], async () => {
      const host = createHost({ isolation, allow: { imports: ["npm:marked"] } });
      hosts.push(host);
      const first = await loadAndRender(host, isolation);
      results.add(`pkg-first:${id}`, first.ms);
      if (isolation === "process") exact = first.imports;
      subjects.push([id, async () => (await loadAndRender(host, isolation)).ms]);
    });
  }
  await guarded(results, ["pkg:raw"], async () => {
    await rawRun(RAW_ARGS);
    subjects.push(["raw", () => rawRun(RAW_ARGS)]);
  });
  await guarded(results, ["pkg:raw-set"], async () => {
    const args = rawWithSetArgs(exact);
    await rawRun(args);
    subjects.push(["raw-set", () => rawRun(args)]);
  });
  log(`load to first call, ${config.heavyRuns} runs`);
  for (let run = 0; run < config.heavyRuns; run++) {
    for (const [id, subject] of subjects) {
      await guarded(results, [`pkg:${id}`], async () => {
        results.add(`pkg:${id}`, await subject());
      });
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    }
  }
  for (const host of hosts) await guarded(results, ["close:pkg"], () => host.close());
}

const RAW = "raw `deno run`";

function row(subject: string, key: string): Row {
  return { subject, key, baseline: "pkg:raw", baselineLabel: RAW };
}

/** The scenario's table; issue 11 sets no target for it. */
export function packageSection(): Section {
  return {
    title: "Package-using plugin: load to first call",
    unit: "ms",
    intro: "`bench/plugins/markdown`, whose entry imports `npm:marked@15` (declared in its " +
      "`plugin.json`), loaded and its `render()` called once on a short Markdown text: ms, lower " +
      "is better. sandplug: `host.load(dir)` plus the first call, one host per tier, after a " +
      "first load (its own rows: the process tier installs the package set, once per host " +
      "process; the worker tier resolves the package in the host). Raw: `deno run " +
      "--no-config --cached-only` of a main importing the same module from the user's Deno " +
      "cache, spawn to the printed HTML; *with the package set* gives it the process tier's " +
      "`--config` (its `node_modules` folder and frozen lock) instead. Issue 11 sets no target.",
    rows: [
      { subject: RAW, key: "pkg:raw" },
      row("sandplug process tier", "pkg:sp-process"),
      row("sandplug worker tier", "pkg:sp-worker"),
      row(`${RAW}, with the process tier's package set (diagnostic)`, "pkg:raw-set"),
      row("sandplug process tier: first load in a host process", "pkg-first:sp-process"),
      row("sandplug worker tier: first load in a host process", "pkg-first:sp-worker"),
    ],
  };
}
