/**
 * The benchmark suites. Each runs its subjects interleaved, run by run, so
 * that a slow spell of this noisy machine hits every subject alike, and
 * records one sample per subject per run.
 *
 * @module
 */
import {
  comlink,
  direct,
  type EchoClient,
  rawChild,
  rawWorker,
  sandplug,
  sandplugWithoutWatchdog,
  type Subject,
} from "./_clients.ts";
import {
  loadToFirstCall,
  parallelLoads,
  pipelined,
  roundTrip,
  sequential,
  singleCalls,
} from "./_measure.ts";
import { guarded, type Results } from "./_results.ts";
import type { MemorySample } from "./memory_probe.ts";

/** How much work each suite does. */
export interface SuiteConfig {
  /** Runs of the call suites (sequential, pipelined, payloads). */
  callRuns: number;
  /** Runs of the heavier suites (start-up, memory). */
  heavyRuns: number;
  /** Calls per sequential run, for every subject but the direct call. */
  sequentialCalls: number;
  /** Calls per sequential run of the direct call, which is ~1000× faster. */
  directCalls: number;
  /** Calls issued at once per pipelined run. */
  pipelinedCalls: number;
  /** Payload sizes in MiB. */
  payloadMiB: readonly number[];
  /** Instances started at once for the parallel start-up figure. */
  parallel: number;
  /** Instances kept idle for the memory figure. */
  memoryCount: number;
}

/** Subjects by the id the report's keys use. */
export type SubjectTable = readonly (readonly [string, Subject])[];

/** Subjects of the call suites. */
export const CALL_SUBJECTS: SubjectTable = [
  ["direct", direct],
  ["raw-worker", rawWorker()],
  ["raw-worker-batched", rawWorker({ batch: true })],
  ["comlink", comlink],
  ["sp-worker", sandplug("worker")],
  ["sp-worker-contract", sandplug("worker", { contract: true })],
  ["sp-worker-ll", sandplug("worker", { lowLatency: true })],
  ["sp-inline", sandplug("inline")],
  ["raw-child", rawChild()],
  ["raw-child-unbatched", rawChild({ batch: false })],
  ["sp-process", sandplug("process")],
];

/** Subjects whose single calls are also timed one by one, for the median call. */
export const SINGLE_CALL_SUBJECTS: readonly string[] = ["raw-worker", "sp-worker", "sp-worker-ll"];

/** Subjects of the payload suite: those that cross a real boundary, without extra variants. */
export const PAYLOAD_SUBJECTS: readonly string[] = [
  "raw-worker",
  "comlink",
  "sp-worker",
  "raw-child",
  "sp-process",
];

/** Subjects of the start-up suites. */
export const START_SUBJECTS: SubjectTable = [
  ["raw-worker", rawWorker()],
  ["sp-worker", sandplug("worker")],
  ["raw-child", rawChild()],
  ["raw-child-fresh", rawChild({ freshDenoDir: true })],
  ["sp-process", sandplug("process")],
  ["sp-process-nowatch", sandplugWithoutWatchdog()],
  ["sp-inline", sandplug("inline")],
];

/** Subjects of the parallel start-up and memory suites. */
export const FLEET_SUBJECTS: readonly string[] = [
  "raw-worker",
  "sp-worker",
  "raw-child",
  "sp-process",
];

/** Subjects of the memory suite: the fleet, and the process tier without its watchdog. */
export const MEMORY_SUBJECTS: readonly string[] = [...FLEET_SUBJECTS, "sp-process-nowatch"];

const MIB = 1024 * 1024;

/** Sequential calls each call subject makes before it is measured. */
const WARM_UP_CALLS = 2_000;

/** The pause after 100 instances closed, before the next subject starts its own. */
const SETTLE_MS = 1_500;

/** How many turns each subject takes within one sequential run. */
const SEQUENTIAL_SLICES = 10;

const started = performance.now();

function log(text: string): void {
  console.error(`bench: ${Math.round((performance.now() - started) / 1000)} s: ${text}`);
}

/** Sequential and pipelined small calls, then payload round trips, over one instance of each subject. */
export async function callSuite(results: Results, config: SuiteConfig): Promise<void> {
  const clients = new Map<string, EchoClient>();
  const subjects = new Map<string, Subject>(CALL_SUBJECTS);
  for (const [id, subject] of CALL_SUBJECTS) {
    const payloadKeys = PAYLOAD_SUBJECTS.includes(id)
      ? config.payloadMiB.flatMap((mib) => [`copy-${mib}:${id}`, `transfer-${mib}:${id}`])
      : [];
    await guarded(results, [`seq:${id}`, `pipe:${id}`, ...payloadKeys], async () => {
      const client = await subject.open();
      clients.set(id, client);
      // Long enough for the JIT to settle: its compiler threads would otherwise take cores
      // during the first runs, which a path that keeps two threads busy feels most.
      await sequential(client, WARM_UP_CALLS);
      await pipelined(client, config.pipelinedCalls);
    });
  }
  const calls = (id: string) => id === "direct" ? config.directCalls : config.sequentialCalls;
  log(`sequential small calls, ${config.callRuns} runs`);
  for (let run = 0; run < config.callRuns; run++) {
    // Each run takes turns in slices, so that a slow spell of the machine (a thread parked
    // deeper, another process) falls on every subject rather than on whichever ran then.
    const slices = new Map<string, number[]>();
    for (let slice = 0; slice < SEQUENTIAL_SLICES; slice++) {
      for (const [id, client] of clients) {
        await guarded(results, [`seq:${id}`], async () => {
          const perCall = await sequential(client, calls(id) / SEQUENTIAL_SLICES);
          slices.set(id, [...(slices.get(id) ?? []), perCall]);
        });
      }
    }
    for (const [id, values] of slices) {
      if (results.failed(`seq:${id}`) || values.length < SEQUENTIAL_SLICES) continue;
      results.add(`seq:${id}`, values.reduce((sum, value) => sum + value, 0) / values.length);
    }
    for (const id of SINGLE_CALL_SUBJECTS) {
      const client = clients.get(id);
      if (client === undefined) continue;
      await guarded(results, [`seq-single:${id}`], async () => {
        results.add(`seq-single:${id}`, await singleCalls(client, config.sequentialCalls / 10));
      });
    }
  }
  log(`pipelined small calls, ${config.callRuns} runs`);
  for (let run = 0; run < config.callRuns; run++) {
    for (const [id, client] of clients) {
      await guarded(results, [`pipe:${id}`], async () => {
        results.add(`pipe:${id}`, await pipelined(client, config.pipelinedCalls));
      });
    }
  }
  log(`payload round trips, ${config.callRuns} runs`);
  for (const mib of config.payloadMiB) {
    for (let run = 0; run < config.callRuns; run++) {
      for (const id of PAYLOAD_SUBJECTS) {
        const client = clients.get(id);
        if (client === undefined) continue;
        if (run === 0 && mib === config.payloadMiB[0]) {
          await guarded(results, [`copy-${mib}:${id}`], () => roundTrip(client, MIB, false).then());
        }
        await guarded(results, [`copy-${mib}:${id}`], async () => {
          results.add(`copy-${mib}:${id}`, await roundTrip(client, mib * MIB, false));
        });
        if (client.echoTransfer === undefined) continue;
        await guarded(results, [`transfer-${mib}:${id}`], async () => {
          results.add(`transfer-${mib}:${id}`, await roundTrip(client, mib * MIB, true));
        });
      }
    }
  }
  for (const [id, client] of clients) {
    await guarded(results, [`close:${id}`], async () => {
      await client.close();
      await subjects.get(id)?.dispose?.();
    });
  }
}

/** Start to first call of one instance, then of `config.parallel` instances at once. */
export async function startSuite(results: Results, config: SuiteConfig): Promise<void> {
  log(`start to first call, ${config.heavyRuns} runs`);
  for (const [id, subject] of START_SUBJECTS) {
    await guarded(results, [`load:${id}`], () => loadToFirstCall(subject).then());
  }
  for (let run = 0; run < config.heavyRuns; run++) {
    for (const [id, subject] of START_SUBJECTS) {
      await guarded(results, [`load:${id}`], async () => {
        results.add(`load:${id}`, await loadToFirstCall(subject));
      });
      // The instance just closed is torn down in the background (a worker's isolate, a child's
      // exit): let that end before the next subject is timed, so that none is timed beside it.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS / 10));
    }
  }
  log(`${config.parallel} started at once, ${config.heavyRuns} runs`);
  const fleet = START_SUBJECTS.filter(([id]) => FLEET_SUBJECTS.includes(id));
  for (let run = 0; run < config.heavyRuns; run++) {
    for (const [id, subject] of fleet) {
      await guarded(results, [`parallel:${id}`], async () => {
        results.add(`parallel:${id}`, await parallelLoads(subject, config.parallel));
      });
      // Closed workers and children are torn down in the background after close() returns;
      // without a pause the next subject would be measured while the previous one's 100 end.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    }
  }
  for (const [id, subject] of START_SUBJECTS) {
    await guarded(results, [`close:${id}`], async () => await subject.dispose?.());
  }
}

const PROBE = new URL("./memory_probe.ts", import.meta.url);
const ROOT = new URL("../", import.meta.url);

async function probe(id: string, count: number): Promise<MemorySample> {
  const output = await new Deno.Command(Deno.execPath(), {
    // -A: Deno reads /proc/<pid>/status only with every permission.
    args: ["run", "-A", "--no-prompt", PROBE.href, id, String(count)],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout).trim();
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n");
    const reason = stderr.find((line) => line.startsWith("error")) ?? stderr.at(-1);
    throw new Error(`the memory probe for ${id} failed: ${reason ?? `exit code ${output.code}`}`);
  }
  return JSON.parse(stdout.split("\n").at(-1)!) as MemorySample;
}

/** Idle memory per instance, each run in a fresh probe process. */
export async function memorySuite(results: Results, config: SuiteConfig): Promise<void> {
  log(`idle memory of ${config.memoryCount} instances, ${config.heavyRuns} runs`);
  for (let run = 0; run < config.heavyRuns; run++) {
    for (const id of MEMORY_SUBJECTS) {
      const keys = [`mem-host:${id}`, `mem-rss:${id}`, `mem-anon:${id}`];
      await guarded(results, keys, async () => {
        const sample = await probe(id, config.memoryCount);
        results.add(`mem-host:${id}`, sample.host / 1024);
        if (sample.children > 0) {
          results.add(`mem-rss:${id}`, sample.childRss / 1024);
          results.add(`mem-anon:${id}`, sample.childAnon / 1024);
        }
      });
    }
  }
}
