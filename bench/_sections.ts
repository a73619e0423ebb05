/**
 * The report's tables: which figure each row shows, its baseline, and issue
 * 5's target for it.
 *
 * @module
 */
import type { Row, Section, Target } from "./_report.ts";
import type { SuiteConfig } from "./_suites.ts";

function atMostRatio(limit: number): Target {
  return { text: `≤ ${limit}×`, met: (_value, ratio) => ratio <= limit };
}

function atLeastRatio(limit: number): Target {
  return { text: `≥ ${limit}×`, met: (_value, ratio) => ratio >= limit };
}

function atMost(limit: number, unit: string): Target {
  return { text: `≤ ${limit} ${unit}`, met: (value) => value <= limit };
}

const RAW_WORKER = "raw worker";
const RAW_CHILD = "raw child";
const NOT_BUILT = "not built yet";

/** The tables, in the order the report prints them. */
export function sections(config: SuiteConfig): Section[] {
  return [
    {
      title: "Sequential small call",
      unit: "µs",
      intro: "`add(1, 2)`, each call awaited before the next: µs per call, lower is better.",
      rows: [
        { subject: "direct async call", key: "seq:direct" },
        { subject: "raw worker postMessage", key: "seq:raw-worker" },
        {
          subject: "raw worker, a tick's calls in one message",
          key: "seq:raw-worker-batched",
          baseline: "seq:raw-worker",
          baselineLabel: RAW_WORKER,
        },
        {
          subject: "Comlink",
          key: "seq:comlink",
          baseline: "seq:raw-worker",
          baselineLabel: RAW_WORKER,
        },
        {
          subject: "sandplug worker tier",
          key: "seq:sp-worker",
          baseline: "seq:raw-worker",
          baselineLabel: RAW_WORKER,
          target: atMostRatio(1.1),
        },
        {
          subject: "sandplug worker tier, contract + validation",
          key: "seq:sp-worker-contract",
          baseline: "seq:raw-worker",
          baselineLabel: RAW_WORKER,
        },
        {
          subject: "sandplug worker tier, low-latency channel",
          key: "seq:sp-worker-ll",
          baseline: "seq:raw-worker",
          baselineLabel: RAW_WORKER,
          target: atMost(10, "µs"),
        },
        { subject: "raw worker postMessage: median single call", key: "seq-single:raw-worker" },
        {
          subject: "sandplug worker tier: median single call",
          key: "seq-single:sp-worker",
          baseline: "seq-single:raw-worker",
          baselineLabel: "raw worker, median",
        },
        {
          subject: "sandplug worker tier, low-latency channel: median single call",
          key: "seq-single:sp-worker-ll",
          baseline: "seq-single:raw-worker",
          baselineLabel: "raw worker, median",
        },
        {
          subject: "sandplug inline tier (validation off)",
          key: "seq:sp-inline",
          missing: `inline tier: ${NOT_BUILT}`,
          baseline: "seq:direct",
          baselineLabel: "direct",
          target: atMostRatio(3),
        },
        { subject: "raw stdio child", key: "seq:raw-child" },
        {
          subject: "raw stdio child, one frame per message",
          key: "seq:raw-child-unbatched",
          baseline: "seq:raw-child",
          baselineLabel: RAW_CHILD,
        },
        {
          subject: "sandplug process tier",
          key: "seq:sp-process",
          baseline: "seq:raw-child",
          baselineLabel: RAW_CHILD,
          target: atMostRatio(1.2),
        },
      ],
    },
    {
      title: "Pipelined small calls",
      unit: "calls/s",
      intro:
        `${
          config.pipelinedCalls.toLocaleString("en-US")
        } calls of \`add(i, 1)\` issued at once, then awaited together:` +
        " calls per second, higher is better.",
      rows: [
        { subject: "direct async call", key: "pipe:direct" },
        { subject: "raw worker postMessage", key: "pipe:raw-worker" },
        {
          subject: "raw worker, a tick's calls in one message",
          key: "pipe:raw-worker-batched",
          baseline: "pipe:raw-worker",
          baselineLabel: RAW_WORKER,
        },
        {
          subject: "Comlink",
          key: "pipe:comlink",
          baseline: "pipe:raw-worker",
          baselineLabel: RAW_WORKER,
        },
        {
          subject: "sandplug worker tier",
          key: "pipe:sp-worker",
          baseline: "pipe:raw-worker",
          baselineLabel: RAW_WORKER,
          target: {
            text: "≥ 3× and ≥ 500k/s",
            met: (value, ratio) => ratio >= 3 && value >= 500_000,
          },
        },
        {
          subject: "sandplug worker tier, against Comlink",
          key: "pipe:sp-worker",
          baseline: "pipe:comlink",
          baselineLabel: "Comlink",
          target: atLeastRatio(6),
        },
        {
          subject: "sandplug worker tier, contract + validation",
          key: "pipe:sp-worker-contract",
          baseline: "pipe:raw-worker",
          baselineLabel: RAW_WORKER,
        },
        {
          subject: "sandplug worker tier, low-latency channel",
          key: "pipe:sp-worker-ll",
          baseline: "pipe:raw-worker",
          baselineLabel: RAW_WORKER,
        },
        {
          subject: "sandplug inline tier (validation off)",
          key: "pipe:sp-inline",
          missing: `inline tier: ${NOT_BUILT}`,
          baseline: "pipe:direct",
          baselineLabel: "direct",
        },
        { subject: "raw stdio child", key: "pipe:raw-child" },
        {
          subject: "raw stdio child, one frame per message",
          key: "pipe:raw-child-unbatched",
          baseline: "pipe:raw-child",
          baselineLabel: RAW_CHILD,
        },
        {
          subject: "sandplug process tier",
          key: "pipe:sp-process",
          baseline: "pipe:raw-child",
          baselineLabel: RAW_CHILD,
          target: { text: "≥ 200k/s", met: (value) => value >= 200_000 },
        },
      ],
    },
    {
      title: "ArrayBuffer round trip",
      unit: "ms",
      intro:
        "One `echo(buffer)` there and back: ms, lower is better. *Transferred* moves the buffer " +
        "both ways (a transfer list, Comlink's `transfer()`, sandplug's `transfer()`); processes " +
        "cannot move memory, so the process rows are copies only.",
      rows: config.payloadMiB.flatMap((mib) => payloadRows(mib, config)),
    },
    {
      title: "Start to first call",
      unit: "ms",
      intro: "One instance started and called once: ms, lower is better. sandplug: manifest to " +
        "first call; raw: `new Worker` or spawn to first reply.",
      rows: [
        { subject: "raw worker", key: "load:raw-worker" },
        {
          subject: "sandplug worker tier",
          key: "load:sp-worker",
          baseline: "load:raw-worker",
          baselineLabel: RAW_WORKER,
          target: {
            text: "≤ 1.5× (load-time checks cached)",
            met: (_value, ratio) => ratio <= 1.5,
          },
        },
        { subject: "raw stdio child", key: "load:raw-child" },
        {
          subject: "raw stdio child, fresh DENO_DIR",
          key: "load:raw-child-fresh",
          baseline: "load:raw-child",
          baselineLabel: RAW_CHILD,
        },
        {
          subject: "sandplug process tier",
          key: "load:sp-process",
          baseline: "load:raw-child",
          baselineLabel: RAW_CHILD,
        },
        {
          subject: "sandplug process tier, no parent watchdog (diagnostic)",
          key: "load:sp-process-nowatch",
          baseline: "load:raw-child",
          baselineLabel: RAW_CHILD,
        },
        {
          subject: "sandplug inline tier (the load-time checks, no isolate to start)",
          key: "load:sp-inline",
          missing: `inline tier: ${NOT_BUILT}`,
          baseline: "load:raw-worker",
          baselineLabel: RAW_WORKER,
        },
      ],
    },
    {
      title: `${config.parallel} started at once`,
      unit: "s",
      scale: 1 / 1000,
      intro: `${config.parallel} instances started with \`Promise.all\`, each to its first call: ` +
        "seconds of wall time, lower is better.",
      rows: [
        { subject: "raw workers", key: "parallel:raw-worker" },
        {
          subject: "sandplug worker tier",
          key: "parallel:sp-worker",
          baseline: "parallel:raw-worker",
          baselineLabel: "raw workers",
          target: atMost(2, "s"),
        },
        { subject: "raw stdio children", key: "parallel:raw-child" },
        {
          subject: "sandplug process tier",
          key: "parallel:sp-process",
          baseline: "parallel:raw-child",
          baselineLabel: "raw children",
          target: atMost(2, "s"),
        },
      ],
    },
    {
      title: "Idle memory per instance",
      unit: "MiB",
      intro: `${config.memoryCount} instances kept loaded and idle, measured in a fresh process: ` +
        "MiB per instance, lower is better.",
      rows: memoryRows(),
    },
  ];
}

function payloadRows(mib: number, config: SuiteConfig): Row[] {
  const largest = mib === Math.max(...config.payloadMiB);
  const copy = `copy-${mib}:`;
  const transfer = `transfer-${mib}:`;
  const rawCopy = `${RAW_WORKER}, copied`;
  return [
    { subject: `${mib} MiB · raw worker, copied`, key: `${copy}raw-worker` },
    { subject: `${mib} MiB · raw worker, transferred`, key: `${transfer}raw-worker` },
    {
      subject: `${mib} MiB · Comlink, copied`,
      key: `${copy}comlink`,
      baseline: `${copy}raw-worker`,
      baselineLabel: rawCopy,
    },
    {
      subject: `${mib} MiB · Comlink, transferred`,
      key: `${transfer}comlink`,
      baseline: `${transfer}raw-worker`,
      baselineLabel: `${RAW_WORKER}, transferred`,
    },
    {
      subject: `${mib} MiB · sandplug worker tier, copied`,
      key: `${copy}sp-worker`,
      baseline: `${copy}raw-worker`,
      baselineLabel: rawCopy,
      target: atMostRatio(1),
    },
    {
      subject: `${mib} MiB · sandplug worker tier, transferred`,
      key: `${transfer}sp-worker`,
      missing: "n/a: no transfer API",
      baseline: `${transfer}raw-worker`,
      baselineLabel: `${RAW_WORKER}, transferred`,
      target: largest ? atMost(3, "ms") : undefined,
    },
    { subject: `${mib} MiB · raw stdio child, copied`, key: `${copy}raw-child` },
    {
      subject: `${mib} MiB · sandplug process tier, copied`,
      key: `${copy}sp-process`,
      baseline: `${copy}raw-child`,
      baselineLabel: `${RAW_CHILD}, copied`,
    },
  ];
}

function memoryRows(): Row[] {
  return [
    { subject: "raw worker: host RSS growth", key: "mem-host:raw-worker" },
    {
      subject: "sandplug worker tier: host RSS growth",
      key: "mem-host:sp-worker",
      baseline: "mem-host:raw-worker",
      baselineLabel: RAW_WORKER,
      target: atMostRatio(1.2),
    },
    { subject: "raw stdio child: children, private (RssAnon)", key: "mem-anon:raw-child" },
    {
      subject: "sandplug process tier: children, private (RssAnon)",
      key: "mem-anon:sp-process",
      baseline: "mem-anon:raw-child",
      baselineLabel: RAW_CHILD,
    },
    {
      subject: "sandplug process tier, no parent watchdog: children, private (diagnostic)",
      key: "mem-anon:sp-process-nowatch",
      baseline: "mem-anon:raw-child",
      baselineLabel: RAW_CHILD,
    },
    { subject: "raw stdio child: children, VmRSS", key: "mem-rss:raw-child" },
    {
      subject: "sandplug process tier: children, VmRSS",
      key: "mem-rss:sp-process",
      baseline: "mem-rss:raw-child",
      baselineLabel: RAW_CHILD,
    },
    { subject: "raw stdio child: host RSS growth", key: "mem-host:raw-child" },
    {
      subject: "sandplug process tier: host RSS growth",
      key: "mem-host:sp-process",
      baseline: "mem-host:raw-child",
      baselineLabel: RAW_CHILD,
    },
  ];
}
