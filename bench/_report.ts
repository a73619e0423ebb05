/**
 * Renders one run's results as BENCHMARKS.md: the machine, one table per
 * figure with baselines, ratios and issue 5's targets, and a note on what
 * limits each target not met.
 *
 * @module
 */
import type { CpuSnapshot, Machine } from "./_machine.ts";
import type { Results } from "./_results.ts";
import type { SuiteConfig } from "./_suites.ts";
import { MICRO_STEPS } from "./_micro.ts";
import { limitNotes } from "./_limits.ts";

type Unit = "µs" | "calls/s" | "ms" | "s" | "MiB" | "MiB/s" | "ns";

/** A target of issue 5, checked against a row's median and ratio. */
export interface Target {
  /** As the table shows it. */
  text: string;
  /** Whether the row meets it. */
  met(value: number, ratio: number): boolean;
}

/** One row of a table. */
export interface Row {
  /** The subject, as shown. */
  subject: string;
  /** The results key; absent for a row that has nothing to measure yet. */
  key?: string;
  /** Shown instead of a value when there is no key, or the figure failed. */
  missing?: string;
  /** The results key of the baseline. */
  baseline?: string;
  /** The baseline, as shown. */
  baselineLabel?: string;
  /** Issue 5's target for this row. */
  target?: Target;
}

/** One table. */
export interface Section {
  title: string;
  unit: Unit;
  /** How the samples become the shown unit (e.g. ms to s). */
  scale?: number;
  intro: string;
  rows: Row[];
}

/** How a row stands against its target. */
export type Status = "met" | "not met" | "no target";

/** A row's figures, ready to print or to judge. */
export interface Judged {
  row: Row;
  section: Section;
  value: number;
  ratio: number;
  status: Status;
  shown: string;
}

function round(value: number): string {
  const size = Math.abs(value);
  if (size >= 100) return value.toFixed(0);
  if (size >= 10) return value.toFixed(1);
  if (size >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** A value in its unit, e.g. `81.2 µs`, `172k calls/s`. */
export function format(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return "n/a";
  if (unit === "calls/s") {
    return value >= 1e6 ? `${(value / 1e6).toFixed(2)}M/s` : `${Math.round(value / 1e3)}k/s`;
  }
  return `${round(value)} ${unit}`;
}

/** Judges a row: its median, its ratio to the baseline, and whether it meets its target. */
export function judge(results: Results, section: Section, row: Row): Judged {
  const scale = section.scale ?? 1;
  const value = row.key === undefined ? NaN : results.median(row.key) * scale;
  const base = row.baseline === undefined ? NaN : results.median(row.baseline) * scale;
  const ratio = value / base;
  let status: Status = "no target";
  if (row.target !== undefined) {
    status = Number.isFinite(value) && row.target.met(value, ratio) ? "met" : "not met";
  }
  let shown: string;
  const outcome = row.key === undefined ? undefined : results.get(row.key);
  if (outcome === undefined || "error" in outcome) {
    const error = outcome !== undefined && "error" in outcome ? outcome.error : undefined;
    shown = row.missing ?? (error === undefined ? "n/a" : "failed");
    if (error !== undefined) shown += ` (${error.replaceAll("|", "\\|")})`;
  } else {
    shown = format(value, section.unit);
  }
  return { row, section, value, ratio, status, shown };
}

function spread(results: Results, section: Section, row: Row): string {
  if (row.key === undefined || results.count(row.key) === 0) return "";
  const scale = section.scale ?? 1;
  const [low, high] = results.range(row.key);
  const shown = (value: number) =>
    section.unit === "calls/s"
      ? format(value * scale, section.unit).slice(0, -2)
      : round(value * scale);
  return `${results.count(row.key)}: ${shown(low)}–${shown(high)}`;
}

function table(results: Results, section: Section): string[] {
  const lines = [
    `### ${section.title}`,
    "",
    section.intro,
    "",
    "| subject | median | runs: min–max | baseline (same run) | ratio | target | status |",
    "| --- | --: | --- | --- | --: | --- | --- |",
  ];
  for (const row of section.rows) {
    const judged = judge(results, section, row);
    const base = row.baseline === undefined
      ? "—"
      : `${row.baselineLabel}: ${
        format(results.median(row.baseline) * (section.scale ?? 1), section.unit)
      }`;
    const ratio = Number.isFinite(judged.ratio) ? `${judged.ratio.toFixed(2)}×` : "—";
    const status = judged.status === "no target"
      ? "—"
      : judged.status === "met"
      ? "met"
      : "**not met**";
    lines.push(
      `| ${row.subject} | ${judged.shown} | ${
        spread(results, section, row)
      } | ${base} | ${ratio} | ${row.target?.text ?? "—"} | ${status} |`,
    );
  }
  lines.push("");
  return lines;
}

/** The share of the machine's capacity, in percent, that other processes used during the run. */
function othersShare(
  cpu: { start: CpuSnapshot; end: CpuSnapshot },
  cores: number,
  seconds: number,
): number {
  const other = (cpu.end.machine - cpu.start.machine) - (cpu.end.own - cpu.start.own);
  return (100 * Math.max(0, other)) / (cores * seconds);
}

/** How much of the machine other processes used while the run went on. */
function others(
  cpu: { start: CpuSnapshot; end: CpuSnapshot },
  cores: number,
  seconds: number,
): string {
  const machine = cpu.end.machine - cpu.start.machine;
  const own = cpu.end.own - cpu.start.own;
  const other = Math.max(0, machine - own);
  const share = (100 * other) / (cores * seconds);
  return `${other.toFixed(1)} core-s of ${(cores * seconds).toFixed(0)} (${share.toFixed(1)}%; ` +
    "the rest of the busy time was this run's)";
}

function micro(results: Results): string[] {
  const lines = [
    "### Where a call's time goes: steps timed alone",
    "",
    "Each step of a sandplug call besides `postMessage` itself, timed alone in a hot loop (ns per step,",
    "median of the runs). Hot and JIT-compiled, these are lower bounds.",
    "",
    "| step | median |",
    "| --- | --: |",
  ];
  for (const step of MICRO_STEPS) {
    lines.push(`| ${step.label} | ${format(results.median(`micro:${step.id}`), "ns")} |`);
  }
  lines.push("");
  return lines;
}

/** Renders the whole report. */
export function render(
  results: Results,
  sections: readonly Section[],
  machine: Machine,
  config: SuiteConfig,
  seconds: number,
  cpu: { start: CpuSnapshot; end: CpuSnapshot },
): string {
  const judged = sections.flatMap((section) =>
    section.rows.map((row) => judge(results, section, row))
  );
  const targets = judged.filter((entry) => entry.status !== "no target");
  const met = targets.filter((entry) => entry.status === "met").length;
  const lines = [
    "# Benchmarks",
    "",
    "<!-- Written by `deno task bench` (bench/main.ts); edits are overwritten. -->",
    "",
    "Issue 5 asks what a sandplug call, load and idle plugin cost next to the raw mechanisms",
    "underneath and to Comlink, measured side by side in one run. This file is that run.",
    "",
    "| machine | |",
    "| --- | --- |",
    `| CPU | ${machine.cpu}, ${machine.cores} cores |`,
    `| RAM | ${machine.ramGiB.toFixed(1)} GiB |`,
    `| OS | ${machine.os} |`,
    `| Deno | ${machine.deno} (V8 ${machine.v8}) |`,
    `| date | ${machine.date} |`,
    `| sandplug | ${machine.source} |`,
    `| run time | ${Math.round(seconds)} s |`,
    `| CPU used by other processes during the run | ${others(cpu, machine.cores, seconds)} |`,
    "",
    ...(othersShare(cpu, machine.cores, seconds) > 10
      ? [
        `**Other processes used ${
          othersShare(cpu, machine.cores, seconds).toFixed(0)
        }% of the machine during this run: its figures are noisier than usual.**`,
        "",
      ]
      : []),
    `**Targets: ${met} of ${targets.length} met.** Each figure is the median of ${config.callRuns}`,
    `runs (calls and payloads) or ${config.heavyRuns} runs (start-up and memory);`,
    "the runs column gives their count and range. Ratios divide the subject's median by its",
    "baseline's median from this same run, so a ratio above 1 is slower for times and faster for",
    "calls/s.",
    "",
    "## Results",
    "",
  ];
  for (const section of sections) lines.push(...table(results, section));
  lines.push("## What limits each target not met", "");
  const notes = limitNotes(results, judged.filter((entry) => entry.status === "not met"));
  lines.push(...(notes.length > 0 ? notes : ["Every target was met."]), "");
  // A partial run (`--only`) that left the steps out shows no empty table of them.
  const stepsTimed = MICRO_STEPS.some((step) => results.count(`micro:${step.id}`) > 0);
  if (stepsTimed) lines.push("## Diagnostics", "", ...micro(results));
  lines.push(...method(config));
  return lines.join("\n");
}

function method(config: SuiteConfig): string[] {
  return [
    "## How it was measured",
    "",
    "`deno task bench` runs `bench/main.ts`; `deno task bench --quick` is a smoke run with fewer",
    "runs that writes `/tmp/BENCHMARKS.quick.md` instead. Every subject answers the same two",
    "operations: `add(a, b)` and `echo(x)`.",
    "",
    "- **Subjects.** *direct*: an `async` function in the host. *raw worker*: a module worker",
    "  answering `postMessage({id, value})`, with a `Map` of pending ids on the host side; *a",
    "  tick's calls in one message* sends the calls made in one tick as one message and gets their",
    "  replies as one. *Comlink*: `npm:comlink@4.4.2` `expose`/`wrap` over a worker. *sandplug*:",
    "  `createHost({ isolation })` loading `bench/plugins/echo` (no contract, `validate: false`;",
    "  the *contract + validation* rows load it with a zod contract and `validate: true`). *raw",
    "  stdio child*: a `deno run` child answering 4-byte length-prefixed `node:v8` frames (the",
    "  process tier's fallback; plain data goes in its compact encoding); the requests of one tick travel as one frame, and the",
    "  child answers everything one read brought in one frame; *one frame per message* turns that",
    "  off both ways (one serialise and one write per message); *fresh DENO_DIR* starts it with an",
    "  empty `DENO_DIR` and `--no-code-cache`, as the process tier once started every plugin (its",
    "  children now share one per host). *No parent watchdog* is a diagnostic: the process tier",
    "  made with `createProcessTier({ watchParent: false })`, to show what killing children when",
    "  the host dies costs (one `/bin/sh` reaper per host). *Low-latency channel*: loaded with",
    "  `lowLatency: true` (a SharedArrayBuffer slot each way, both sides spinning briefly).",
    `- **Sequential**: \`add(1, 2)\` awaited ${config.sequentialCalls.toLocaleString("en-US")}`,
    `  times in a row per run (${config.directCalls.toLocaleString("en-US")} for the direct call),`,
    "  after a warm-up of 2,000 calls, in 10 slices that take turns with the other subjects; the figure is the",
    "  mean per call. The *median single call* rows time each of a run's last",
    `  ${
      config.sequentialCalls / 10
    } calls on its own and take the median: the typical call, which`,
    "  the rare slow one (a thread preempted, a garbage collection) moves less than the mean.",
    "  On this VM a worker thread's wake-up takes either about 14 µs or about 55 µs, and a",
    "  worker tends to stay in one mode for a while: which one varies by run and by worker,",
    "  for the raw worker and sandplug alike, so these rows and the sequential means swing by",
    "  up to 4× between runs, either way. The low-latency channel does not wait for wake-ups.",
    `- **Pipelined**: ${config.pipelinedCalls.toLocaleString("en-US")} calls of \`add(i, 1)\``,
    "  issued at once and awaited together; calls per second.",
    "- **Payloads**: one round trip of an `ArrayBuffer` of 1, 16 and 64 MiB through `echo`, the",
    "  buffer made (and the host's garbage collected, through `--expose-gc`) before the clock",
    "  starts. *Copied* clones it each way; *transferred* moves it both ways where the subject can",
    "  (a transfer list, Comlink's `transfer()`, sandplug's `transfer()` on the argument and, in",
    "  the plugin, on the result). sandplug hosts run with `maxMessageBytes: 128 MiB`, since the",
    "  default (64 MiB) refuses a 64 MiB buffer plus its envelope.",
    "- **Start to first call**: for sandplug, `host.load(dir)` (manifest read, policy, module",
    "  graph check, isolate start, handshake) plus the first `add(1, 2)`; for the raw subjects,",
    "  `new Worker` or spawning the child, plus the first reply. Closing is not timed. *100 at",
    `  once* starts ${config.parallel} with \`Promise.all\`, each to its first call: wall time.`,
    "- **Idle memory**: a fresh probe process (`bench/memory_probe.ts`) starts and closes one",
    `  instance, reads its own \`VmRSS\` from \`/proc/self/status\`, starts ${config.memoryCount}`,
    "  instances with one call each, waits 500 ms, and reads again; the growth divided by the",
    "  count is *host RSS growth*. For child processes it also sums `/proc/<pid>/status` over its",
    "  children (`PPid` equal to its pid): *children, private* is `RssAnon` (heap, stacks: memory",
    "  the child alone holds); *children, VmRSS* adds the file-backed pages of the `deno` binary,",
    "  which every child maps and the kernel shares, so summing it overstates the machine's cost.",
    "- **Diagnostics** run last: the hundreds of thousands of timers, promises and clones they",
    "  make leave the process slower to start workers and children for a while.",
    "- **Noise.** The machine has 2 cores and is shared, so single runs vary by ±50% or more;",
    "  medians of interleaved runs (every subject measured once per run, in turn) are what the",
    "  ratios use, and the CPU time other processes took during the run is in the machine table.",
    "",
  ];
}
