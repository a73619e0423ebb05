/**
 * The "what limits it" notes: for each target not met, a reading drawn from
 * the numbers of the same run (the main tables, the diagnostic subjects and
 * the steps timed alone). The notes name kinds of work, not lines of code, so
 * that they stay true while sandplug's internals change.
 *
 * @module
 */
import { format, type Judged } from "./_report.ts";
import type { Results } from "./_results.ts";
import { TALK_BACK_READERS } from "./_talk_back_sections.ts";
import { FRAMEWORK_READERS } from "./_framework_readers.ts";

type Reader = (results: Results, entry: Judged) => string;

function us(results: Results, key: string): string {
  return format(results.median(key), "µs");
}

function ns(results: Results, step: string): string {
  return format(results.median(`micro:${step}`), "ns");
}

function perSecond(results: Results, key: string): string {
  return format(results.median(key), "calls/s");
}

function ms(results: Results, key: string): string {
  return format(results.median(key), "ms");
}

function mib(results: Results, key: string): string {
  return format(results.median(key), "MiB");
}

function seconds(results: Results, key: string): string {
  return format(results.median(key) / 1000, "s");
}

function times(value: number): string {
  return `${value.toFixed(1)}×`;
}

/** µs of the busiest thread one call costs at a pipelined rate. */
function costPerCall(results: Results, key: string): number {
  return 1e6 / results.median(key);
}

/** The summed cost, in µs, of steps timed alone. */
function stepsSum(results: Results, steps: readonly string[]): number {
  return steps.reduce((sum, step) => sum + results.median(`micro:${step}`), 0) / 1000;
}

/** Steps every sandplug call takes whatever the tier: two payload bounds, a pending record, a signal. */
const CALL_STEPS = ["measure", "measure", "promise", "abort"];

function overlap(results: Results, a: string, b: string): boolean {
  const [aLow, aHigh] = results.range(a);
  const [bLow, bHigh] = results.range(b);
  return aLow <= bHigh && bLow <= aHigh;
}

/** What every sandplug call does that the raw baselines do not, with the steps' costs from this run. */
function perCallWork(r: Results): string {
  return "Per call, sandplug does work the raw baselines do not: it checks the symbol and the " +
    "arguments, bounds the payload (`measure()` walks the arguments on the way out and the " +
    "result on the way back), keeps a pending record with its deadline and abort wiring, and " +
    "the plugin's runtime dispatches by name and gives the call its signal. Timed alone " +
    `(Diagnostics): a \`measure()\` of \`[1, 2]\` costs ${ns(r, "measure")}, a pending record ` +
    `with its promise ${ns(r, "promise")}, an \`AbortController\` ${ns(r, "abort")}, and a ` +
    `\`setTimeout\` + \`clearTimeout\` pair ${ns(r, "timer")} (what a deadline timer per call ` +
    "would cost). These are lower bounds: a hot loop keeps everything in cache.";
}

function copyReader(size: number): Reader {
  return (r) => {
    const key = `copy-${size}:sp-worker`;
    const base = `copy-${size}:raw-worker`;
    return `${ms(r, key)} against ${ms(r, base)}. ` +
      (overlap(r, key, base)
        ? "The runs of the two overlap, so this is within the machine's noise. sandplug copies a " +
          "buffer of 64 KiB or more once and moves the copy, where a clone copies it twice; at " +
          "this size the saved copy is smaller than the run-to-run spread, and `measure()` reads " +
          "only a buffer's `byteLength`."
        : "The runs do not overlap. sandplug copies the buffer once each way and moves the copy, " +
          "`measure()` reads only its `byteLength`, and its other per-call work is microseconds, " +
          `so a gap of ${format(r.median(key) - r.median(base), "ms")} is not per-byte work of ` +
          "sandplug's; the likely cause is when each side's heap collects the copies.");
  };
}

const READERS: Record<string, Reader> = {
  ...TALK_BACK_READERS,
  ...FRAMEWORK_READERS,
  "seq:sp-worker": (r) => {
    const gap = r.median("seq:sp-worker") - r.median("seq:raw-worker");
    return `${us(r, "seq:sp-worker")} against ${us(r, "seq:raw-worker")}: ${
      format(gap, "µs")
    } more per call, of which the steps above account for at least ${
      format(stepsSum(r, CALL_STEPS), "µs")
    }. A sequential round trip here is mostly the two thread wake-ups (the raw worker's own ` +
      `${us(r, "seq:raw-worker")}), so the rest of the gap is extra promise turns before the ` +
      "message leaves and after the reply lands, and this machine's noise (see the runs' range).";
  },
  "seq:sp-worker-ll": (r) =>
    `${us(r, "seq:sp-worker-ll")} per call on average over the low-latency channel, while its ` +
    `median single call takes ${us(r, "seq-single:sp-worker-ll")} (raw \`postMessage\`: ` +
    `${us(r, "seq:raw-worker")} on average, ${us(r, "seq-single:raw-worker")} median). The ` +
    "channel needs the host's thread and the plugin's on two cores at once, each watching the " +
    "slot for the other. This machine has two: whenever a third thread runs (a garbage " +
    "collector's, a JIT compiler's, another subject's), the scheduler puts the two on one core " +
    "and keeps them there for some milliseconds; every call then waits for the other thread to " +
    "be scheduled (20–100 µs) instead of about 2 µs. Traced call by call, most slices run at " +
    "1–3 µs a call and some run entirely in that mode, and those make the mean. On a machine " +
    "with a core to spare the mean comes close to the median.",
  "seq:sp-inline": (r) => {
    if (r.count("seq:sp-inline") === 0) return "Not built yet: the host has no inline tier.";
    const gap = r.median("seq:sp-inline") - r.median("seq:direct");
    return `${us(r, "seq:sp-inline")} against a direct call's ${us(r, "seq:direct")}: ${
      format(gap, "µs")
    } per call on top of the function. A direct call is one promise; an inline sandplug call ` +
      "also goes through the looked-up wrapper, the symbol and argument checks, and whatever " +
      "path the tier takes to the function: through the connection (a pending record, the " +
      "payload bound, a message object and a microtask each way) unless it calls the function " +
      `directly. The steps above come to ${
        format(stepsSum(r, CALL_STEPS), "µs")
      } alone: the target allows ${format(2 * r.median("seq:direct"), "µs")} of overhead.`;
  },
  "seq:sp-process": (r) =>
    `${us(r, "seq:sp-process")} against ${us(r, "seq:raw-child")} for the raw child (${
      us(r, "seq:raw-child-unbatched")
    } with one frame per message; one call at a time makes one frame either way). Both use ` +
    "the same codec (`node:v8`) and pipes, so the difference is the per-call work above plus " +
    "the process tier's framing, its decoder, and the runtime's message loop in the child. One " +
    `\`node:v8\` serialise + deserialise costs ${ns(r, "v8-codec")} alone, paid twice per call ` +
    "by both.",
  "pipe:sp-worker": (r) => {
    const raw = r.median("pipe:raw-worker");
    const batched = r.median("pipe:raw-worker-batched");
    const sp = r.median("pipe:sp-worker");
    return `Pipelined, the busiest thread sets the rate. Raw \`postMessage\`, one message per ` +
      `call, reaches ${perSecond(r, "pipe:raw-worker")} (${
        format(costPerCall(r, "pipe:raw-worker"), "µs")
      } per call); 3× that leaves ${format(1e6 / (3 * raw), "µs")} per call, less than the ` +
      `structured clone of one small message each way (${
        ns(r, "clone-sandplug")
      } alone), so only fewer messages than calls can meet it. A raw worker that sends a ` +
      `tick's calls as one message reaches ${perSecond(r, "pipe:raw-worker-batched")} (${
        times(batched / raw)
      } raw${batched >= 3 * raw ? "" : ", itself short of 3×"}); sandplug reaches ${
        perSecond(r, "pipe:sp-worker")
      }, ${times(sp / batched)} of that batched baseline. ` +
      `At its rate sandplug spends ${format(1e6 / sp, "µs")} per call against the batched ` +
      `baseline's ${format(1e6 / batched, "µs")}: that difference is the per-call work above, ` +
      "paid on the host and in the worker for every call whether or not messages are grouped.";
  },
  "pipe:sp-worker-vs-comlink": (r) => {
    const comlink = r.median("pipe:comlink");
    return `Comlink reaches ${perSecond(r, "pipe:comlink")} here, so 6× is ${
      format(6 * comlink, "calls/s")
    }: ${times(6 * comlink / r.median("pipe:raw-worker"))} raw \`postMessage\` and ${
      times(6 * comlink / r.median("pipe:raw-worker-batched"))
    } the batched raw worker of the row above.`;
  },
  "pipe:sp-process": (r) => {
    const codecBound = 1e6 / (r.median("micro:v8-codec") / 1000);
    return `sandplug reaches ${perSecond(r, "pipe:sp-process")}; the raw child ${
      perSecond(r, "pipe:raw-child")
    } when a tick's requests travel as one frame and its replies likewise, and ${
      perSecond(r, "pipe:raw-child-unbatched")
    } with one frame per message. Each frame costs a \`node:v8\` serialise and deserialise ` +
      `(${ns(r, "v8-codec")} alone for a one-call message), so one frame per call would bound ` +
      `the rate near ${format(codecBound, "calls/s")} on 2 cores before any other work; ` +
      "batching removes that bound, and what is left is the per-call work above and the " +
      "serialised size of each call inside a batch" +
      (r.median("pipe:raw-child") < 200_000
        ? `; even the batched raw child stays under 200k/s here, so the codec itself is the ` +
          `next limit (JSON of the same one-call message: ${ns(r, "json-codec")}).`
        : ".");
  },
  "copy-64:sp-worker": copyReader(64),
  "copy-16:sp-worker": copyReader(16),
  "copy-1:sp-worker": copyReader(1),
  "transfer-64:sp-worker": (r) =>
    r.count("transfer-64:sp-worker") === 0
      ? "No API marks a value for transfer, so the buffer is copied: " +
        `${ms(r, "copy-64:sp-worker")} here, against ${
          ms(r, "transfer-64:raw-worker")
        } for raw \`postMessage\` with a transfer list and ${
          ms(r, "transfer-64:comlink")
        } for Comlink's \`transfer()\`.`
      : `${ms(r, "transfer-64:sp-worker")} against ${
        ms(r, "transfer-64:raw-worker")
      } for raw \`postMessage\` with a transfer list and ${
        ms(r, "transfer-64:comlink")
      } for Comlink's \`transfer()\`, and ${
        ms(r, "copy-64:sp-worker")
      } copied: the buffer moves, so the rest is sandplug's per-call path around it.`,
  "load:sp-worker": (r) => {
    const inline = r.count("load:sp-inline") > 0;
    const gap = r.median("load:sp-worker") - r.median("load:raw-worker");
    return `${ms(r, "load:sp-worker")} against ${ms(r, "load:raw-worker")} for a raw worker. ` +
      "Before the worker starts, the host reads and parses the manifest, resolves the grant, " +
      "and checks the plugin's folder and module graph" +
      (inline
        ? `: with no isolate to start, that is the inline tier's load, ${
          ms(r, "load:sp-inline")
        } with the module-graph check cached (a hit hashes the plugin's modules instead of ` +
          `scanning them), a small part of the ${
            format(gap, "ms")
          } gap. Most of it is in the worker: `
        : ". Then, in the worker: ") +
      "sandplug's runtime modules load and evaluate before the handshake, where a raw worker " +
      "loads one small file, and the plugin's module is imported only after the host's `init`, " +
      "a second module load behind a round trip.";
  },
  "parallel:sp-worker": (r) =>
    `${seconds(r, "parallel:sp-worker")} against ${seconds(r, "parallel:raw-worker")} for 100 ` +
    "raw workers: every load runs the host-side checks on the host's one main thread, and " +
    "every worker loads sandplug's runtime modules before the plugin's (see start to first call).",
  "parallel:sp-process": (r) => {
    const raw = r.median("parallel:raw-child");
    return `${seconds(r, "parallel:sp-process")} against ${
      format(raw / 1000, "s")
    } for 100 raw children. Starting processes on 2 cores is CPU-bound, so the one-instance ` +
      `figures carry over: a raw child starts in ${ms(r, "load:raw-child")}, or ${
        ms(r, "load:raw-child-fresh")
      } with an empty DENO_DIR and \`--no-code-cache\`; a plugin in ${ms(r, "load:sp-process")}, ${
        ms(r, "load:sp-process-nowatch")
      } without the reaper that kills children when the host dies. The rest is ` +
      "sandplug's runtime modules (their code cache is shared by the host's children), the " +
      "`init` round trip and the plugin's import" +
      (r.count("load:sp-inline") > 0
        ? `; the host's own checks (the inline tier's load, ${
          ms(r, "load:sp-inline")
        }) run 100 times on one thread.`
        : ".") +
      (raw > 2000
        ? ` Even 100 raw children take ${format(raw / 1000, "s")} here, so no ` +
          "process-per-plugin design meets 2 s on this machine."
        : "");
  },
  "mem-host:sp-worker": (r) =>
    `${mib(r, "mem-host:sp-worker")} against ${mib(r, "mem-host:raw-worker")} per raw worker: ` +
    `${format(r.median("mem-host:sp-worker") - r.median("mem-host:raw-worker"), "MiB")} more, ` +
    "which is sandplug's runtime modules and the plugin's module compiled in each worker, and " +
    "the host's per-plugin records.",
};

/** The reader's key for a row: its results key, or a name for rows that share one. */
function readerKey(entry: Judged): string {
  if (entry.row.baseline === "pipe:comlink") return "pipe:sp-worker-vs-comlink";
  return entry.row.key ?? "";
}

/** A paragraph on per-call work, then one note per target not met, as markdown lines. */
export function limitNotes(results: Results, missed: readonly Judged[]): string[] {
  if (missed.length === 0) return [];
  const notes = missed.map((entry) => {
    const key = entry.row.key;
    const outcome = key === undefined ? undefined : results.get(key);
    const head = `- **${entry.section.title}, ${entry.row.subject}**:`;
    if (outcome !== undefined && "error" in outcome && !entry.row.missing) {
      return `${head} the figure failed (${outcome.error}), so it cannot be judged.`;
    }
    const reader = READERS[readerKey(entry)];
    const text = reader === undefined ? "no reading for this row yet." : reader(results, entry);
    return `${head} ${text}`;
  });
  // The per-call paragraph reads the steps timed alone; a partial run without them leaves it out.
  const stepsTimed = results.count("micro:measure") > 0;
  return [...(stepsTimed ? [perCallWork(results), ""] : []), ...notes];
}
