/**
 * The report's tables for issue 12's figures (`bench/_talk_back.ts`), and the
 * "what limits it" readings for their targets.
 *
 * @module
 */
import { format, type Judged, type Row, type Section, type Target } from "./_report.ts";
import type { Results } from "./_results.ts";
import type { SuiteConfig } from "./_suites.ts";
import {
  CHUNK_BYTES,
  CHUNK_TOTAL_MIB,
  DEFAULT_WINDOW,
  LOW_LATENCY,
  TALK_BACK_TIERS,
  WIDE_WINDOW,
} from "./_talk_back.ts";

const HOST_CALL_TARGET: Target = { text: "≤ 1.2×", met: (_value, ratio) => ratio <= 1.2 };
const STREAM_TARGET: Target = { text: "≥ 1×", met: (_value, ratio) => ratio >= 1 };

function hostCallRows(tier: string): Row[] {
  const id = `sp-${tier}`;
  return [
    { subject: `sandplug ${tier} tier: host→plugin call`, key: `hostcall-base:${id}` },
    {
      subject: `sandplug ${tier} tier: host function called from the plugin`,
      key: `hostcall:${id}`,
      baseline: `hostcall-base:${id}`,
      baselineLabel: "host→plugin call",
      target: HOST_CALL_TARGET,
    },
  ];
}

function streamRows(tier: string): Row[] {
  const id = `sp-${tier}`;
  const baseline = { baseline: `stream-pipe:${id}`, baselineLabel: "pipelined calls" };
  return [
    { subject: `sandplug ${tier} tier: pipelined calls`, key: `stream-pipe:${id}` },
    {
      subject: `sandplug ${tier} tier: \`p.stream()\`, window ${DEFAULT_WINDOW} (the default)`,
      key: `stream:${id}`,
      ...baseline,
      target: STREAM_TARGET,
    },
    {
      subject: `sandplug ${tier} tier: \`p.stream()\`, window ${WIDE_WINDOW} (diagnostic)`,
      key: `stream-wide:${id}`,
      ...baseline,
    },
  ];
}

/** The three tables of issue 12's figures. */
export function talkBackSections(config: SuiteConfig): Section[] {
  const calls = config.sequentialCalls.toLocaleString("en-US");
  const items = config.pipelinedCalls.toLocaleString("en-US");
  return [
    {
      title: "Host function round trip",
      unit: "µs",
      intro:
        `\`bench/plugins/talk_back\`'s \`loop(${calls})\`, one host→plugin call inside which ` +
        'the plugin awaits `host.call("echo", [i])` ' + `${calls} times, against ${calls} ` +
        '`p.call("echo", [i])` awaited in a row from the host, in 10 slices that take turns: µs ' +
        "per call, lower is better. The host provides `echo` with `provide` on the load. The " +
        "diagnostic rows load the plugin with `lowLatency: true`.",
      rows: [
        ...TALK_BACK_TIERS.flatMap(hostCallRows),
        {
          subject: "sandplug worker tier, low-latency channel: host→plugin call (diagnostic)",
          key: `hostcall-base:${LOW_LATENCY}`,
        },
        {
          subject: "sandplug worker tier, low-latency channel: host function called from the " +
            "plugin (diagnostic)",
          key: `hostcall:${LOW_LATENCY}`,
          baseline: `hostcall-base:${LOW_LATENCY}`,
          baselineLabel: "host→plugin call, low-latency",
        },
      ],
    },
    {
      title: "Streaming small items",
      unit: "calls/s",
      intro: `\`p.stream("count", [${items}])\` (an \`async function*\` yielding 0, 1, …) read ` +
        `to its end with \`for await\`, against ${items} \`p.call("echo", [i])\` issued at once ` +
        "and awaited together: items or calls per second, higher is better.",
      rows: TALK_BACK_TIERS.flatMap(streamRows),
    },
    {
      title: `${CHUNK_BYTES / 1024} KiB chunks streamed`,
      unit: "MiB/s",
      intro: `${CHUNK_TOTAL_MIB} MiB in ${CHUNK_BYTES / 1024} KiB chunks, each a fresh ` +
        "`Uint8Array`, read to the end on the host's main thread: MiB/s, higher is better. " +
        "sandplug: an `async function*` read with `p.stream()` (window " +
        `${DEFAULT_WINDOW}). Raw: a module worker makes a \`ReadableStream\` of the same chunks ` +
        "and transfers it to the main thread (`postMessage(stream, [stream])`), which reads it; " +
        "timed from the request. Issue 12 sets no target.",
      rows: [
        { subject: "raw worker, transferred `ReadableStream`", key: "chunks:raw-worker" },
        ...TALK_BACK_TIERS.map((tier) => ({
          subject: `sandplug ${tier} tier`,
          key: `chunks:sp-${tier}`,
          baseline: "chunks:raw-worker",
          baselineLabel: "raw worker",
        })),
      ],
    },
  ];
}

type Reader = (results: Results, entry: Judged) => string;

function hostCallReader(tier: string): Reader {
  const id = `sp-${tier}`;
  return (r) =>
    `${format(r.median(`hostcall:${id}`), "µs")} per host call against ${
      format(r.median(`hostcall-base:${id}`), "µs")
    } per host→plugin call. Both cross the same boundary twice; a host call adds, in the ` +
    "plugin, the check and payload bound of its arguments and a waiting record, and on the " +
    "host the name's lookup, an `async` run of the provided function and the bound of its " +
    "result; and the plugin's own `await` between calls.";
}

function streamReader(tier: string): Reader {
  const id = `sp-${tier}`;
  return (r) => {
    const rate = (key: string) => format(r.median(key), "calls/s");
    return `${rate(`stream:${id}`)} with a window of ${DEFAULT_WINDOW}, ${
      rate(`stream-wide:${id}`)
    } with ${WIDE_WINDOW}, against ${rate(`stream-pipe:${id}`)} for pipelined calls. The ` +
      `pipelined calls travel as one batch each way; a stream has at most its window of items ` +
      "in flight, and the plugin produces more only when the host's credit for them arrives, so " +
      "its rate is bounded by the window divided by a credit round trip (each of which can wake " +
      "a sleeping thread), and by how many items share each message either way.";
  };
}

/** Readings for the targets of these tables, by results key. */
export const TALK_BACK_READERS: Record<string, Reader> = Object.fromEntries(
  TALK_BACK_TIERS.flatMap((tier) => [
    [`hostcall:sp-${tier}`, hostCallReader(tier)],
    [`stream:sp-${tier}`, streamReader(tier)],
  ]),
);
