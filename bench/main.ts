/**
 * Runs every benchmark of issue 5 (and issue 11's package scenario, issue
 * 12's host calls and streams) side by side and rewrites BENCHMARKS.md.
 *
 * `deno task bench` runs it in full (about six minutes on two cores);
 * `deno task bench --quick` is a smoke run with fewer repetitions that writes
 * `/tmp/BENCHMARKS.quick.md` instead. `deno task bench --only packages` (a
 * comma-separated list of suites: calls, start, memory, packages, talk-back,
 * reload, framework, micro) runs just those suites and writes only their tables to
 * `/tmp/BENCHMARKS.only.md`, leaving BENCHMARKS.md alone.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { frameworkSection, frameworkSuite } from "./_framework.ts";
import { cpuSnapshot, describeMachine } from "./_machine.ts";
import { microSuite } from "./_micro.ts";
import { packageSection, packageSuite } from "./_packages.ts";
import { reloadSection, reloadSuite } from "./_reload.ts";
import { render } from "./_report.ts";
import { Results } from "./_results.ts";
import { sections } from "./_sections.ts";
import { callSuite, memorySuite, startSuite, type SuiteConfig } from "./_suites.ts";
import { talkBackSuite } from "./_talk_back.ts";
import { talkBackSections } from "./_talk_back_sections.ts";

const ROOT = new URL("../", import.meta.url);

const FULL: SuiteConfig = {
  callRuns: 9,
  heavyRuns: 5,
  sequentialCalls: 2_000,
  directCalls: 200_000,
  pipelinedCalls: 10_000,
  payloadMiB: [1, 16, 64],
  parallel: 100,
  memoryCount: 20,
};

const QUICK: SuiteConfig = { ...FULL, callRuns: 2, heavyRuns: 1, sequentialCalls: 500 };

/** The suites, in the order they run. */
const SUITES:
  readonly (readonly [string, (results: Results, config: SuiteConfig) => Promise<void>])[] = [
    ["calls", callSuite],
    ["start", startSuite],
    ["memory", memorySuite],
    ["packages", packageSuite],
    ["talk-back", talkBackSuite],
    ["reload", reloadSuite],
    ["framework", frameworkSuite],
    // Last: hundreds of thousands of timers, promises and clones leave this process slower to
    // start workers and children for a while (start-up figures measured after it came out 3-4×
    // higher), so nothing is measured in this process after it.
    ["micro", (results, config) => microSuite(results, config.callRuns)],
  ];

/** The suites `--only a,b` (or `--only=a,b`) names, or undefined for all of them. */
function only(args: readonly string[]): Set<string> | undefined {
  const at = args.findIndex((arg) => arg === "--only" || arg.startsWith("--only="));
  if (at === -1) return undefined;
  const value = args[at].startsWith("--only=") ? args[at].slice("--only=".length) : args[at + 1];
  const names = (value ?? "").split(",").filter((name) => name !== "");
  const known = SUITES.map(([name]) => name);
  const unknown = names.find((name) => !known.includes(name));
  if (names.length === 0 || unknown !== undefined) {
    throw new RangeError(
      `Cannot run the bench: --only is ${JSON.stringify(value ?? "")}; ` +
        `name one or more of ${known.join(", ")}, separated by commas`,
    );
  }
  return new Set(names);
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const selected = only(Deno.args);
  const config = quick ? QUICK : FULL;
  const out = selected !== undefined
    ? "/tmp/BENCHMARKS.only.md"
    : quick
    ? "/tmp/BENCHMARKS.quick.md"
    : fileURLToPath(new URL("BENCHMARKS.md", ROOT));
  const started = performance.now();
  const cpuAtStart = cpuSnapshot();
  const machine = await describeMachine(ROOT);
  const results = new Results();
  for (const [name, suite] of SUITES) {
    if (selected === undefined || selected.has(name)) await suite(results, config);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = { start: cpuAtStart, end: cpuSnapshot() };
  const all = [
    ...sections(config),
    packageSection(),
    ...talkBackSections(config),
    reloadSection(),
    frameworkSection(),
  ];
  // A partial run shows only the tables it measured something for.
  const shown = selected === undefined
    ? all
    : all.filter((section) => section.rows.some((row) => row.key && results.get(row.key)));
  const report = render(results, shown, machine, config, seconds, cpu);
  await Deno.writeTextFile(out, report);
  // Formatted as `deno fmt --check` (run by CI) expects, so that a fresh report passes it.
  await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", out],
    cwd: ROOT,
  }).output();
  console.error(
    `bench: wrote ${out} in ${Math.round(seconds)} s`,
  );
}
