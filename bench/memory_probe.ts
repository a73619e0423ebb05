/**
 * Measures idle memory per instance in a fresh process, so that no earlier
 * benchmark's heap or freed pages skew it: starts one instance and closes it
 * (warm-up), reads this process's VmRSS, starts `count` instances and makes
 * one call to each, waits for them to settle, and reads again. Child
 * processes are counted from their own `/proc/<pid>/status`.
 *
 * Usage: `deno run <flags> bench/memory_probe.ts <subject> <count>`; prints one JSON line.
 *
 * @module
 */
import {
  type EchoClient,
  rawChild,
  rawWorker,
  sandplug,
  sandplugWithoutWatchdog,
  type Subject,
} from "./_clients.ts";
import { childrenResident, resident } from "./_proc.ts";

/** What one probe reports, in KiB per instance. */
export interface MemorySample {
  /** This process's VmRSS growth, divided by the count. */
  host: number;
  /** The children's summed VmRSS, divided by the count (0 for in-process subjects). */
  childRss: number;
  /** The children's summed RssAnon (private memory), divided by the count. */
  childAnon: number;
  /** How many child processes were found. */
  children: number;
}

/** The subjects a probe can measure, by the name passed on its command line. */
export const PROBE_SUBJECTS: Record<string, () => Subject> = {
  "raw-worker": () => rawWorker(),
  "sp-worker": () => sandplug("worker"),
  "raw-child": () => rawChild(),
  "sp-process": () => sandplug("process"),
  "sp-process-nowatch": () => sandplugWithoutWatchdog(),
};

const SETTLE_MS = 500;

async function probe(subject: Subject, count: number): Promise<MemorySample> {
  const warm = await subject.open();
  await warm.add(1, 2);
  await warm.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const before = resident()!;
  const clients: EchoClient[] = [];
  for (let i = 0; i < count; i++) {
    const client = await subject.open();
    await client.add(1, 2);
    clients.push(client);
  }
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const after = resident()!;
  const children = childrenResident();
  await Promise.all(clients.map((client) => client.close()));
  await subject.dispose?.();
  return {
    host: (after.rss - before.rss) / count,
    childRss: children.rss / count,
    childAnon: children.anon / count,
    children: children.count,
  };
}

if (import.meta.main) {
  const [name, countText] = Deno.args;
  const make = PROBE_SUBJECTS[name];
  const count = Number(countText);
  if (make === undefined || !(count > 0)) {
    console.error(
      `Cannot probe: usage is memory_probe.ts <${Object.keys(PROBE_SUBJECTS).join("|")}> <count>`,
    );
    Deno.exit(2);
  }
  console.log(JSON.stringify(await probe(make(), count)));
}
