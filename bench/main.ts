/**
 * Runs every benchmark of issue 5 side by side and rewrites BENCHMARKS.md.
 *
 * `deno task bench` runs it in full (about three minutes on two cores);
 * `deno task bench --quick` is a smoke run with fewer repetitions that writes
 * `/tmp/BENCHMARKS.quick.md` instead.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { cpuSnapshot, describeMachine } from "./_machine.ts";
import { microSuite } from "./_micro.ts";
import { render } from "./_report.ts";
import { Results } from "./_results.ts";
import { sections } from "./_sections.ts";
import { callSuite, memorySuite, startSuite, type SuiteConfig } from "./_suites.ts";

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

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const config = quick ? QUICK : FULL;
  const out = quick ? "/tmp/BENCHMARKS.quick.md" : fileURLToPath(new URL("BENCHMARKS.md", ROOT));
  const started = performance.now();
  const cpuAtStart = cpuSnapshot();
  const machine = await describeMachine(ROOT);
  const results = new Results();
  await callSuite(results, config);
  await startSuite(results, config);
  await memorySuite(results, config);
  // Last: hundreds of thousands of timers, promises and clones leave this process slower to
  // start workers and children for a while (start-up figures measured after it came out 3-4×
  // higher), so nothing is measured in this process after it.
  await microSuite(results, config.callRuns);
  const seconds = (performance.now() - started) / 1000;
  const cpu = { start: cpuAtStart, end: cpuSnapshot() };
  const report = render(results, sections(config), machine, config, seconds, cpu);
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
