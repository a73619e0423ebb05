/**
 * How each figure is timed. Every function returns one sample; the runner
 * repeats it and keeps the median.
 *
 * @module
 */
import type { EchoClient, Subject } from "./_clients.ts";
import { collectGarbage } from "./_collect.ts";

/** The median of the samples (the mean of the middle two for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`Cannot benchmark: ${what}`);
}

/**
 * Sequential small calls: `add(1, 2)` awaited `calls` times in a row.
 *
 * @returns Microseconds per call, the mean over the batch.
 */
export async function sequential(client: EchoClient, calls: number): Promise<number> {
  let sum = 0;
  const start = performance.now();
  for (let i = 0; i < calls; i++) sum += await client.add(1, 2);
  const elapsed = performance.now() - start;
  check(sum === 3 * calls, `add(1, 2) returned a wrong sum: ${sum / calls} on average`);
  return (elapsed * 1000) / calls;
}

/**
 * Sequential small calls timed one by one: `add(1, 2)` awaited `calls` times.
 *
 * @returns Microseconds of the median call, which the rare slow call (the
 *   thread preempted, a garbage collection) does not move as it moves the mean.
 */
export async function singleCalls(client: EchoClient, calls: number): Promise<number> {
  const times: number[] = new Array(calls);
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    const sum = await client.add(1, 2);
    times[i] = (performance.now() - start) * 1000;
    check(sum === 3, `add(1, 2) returned ${sum}`);
  }
  return median(times);
}

/**
 * Pipelined small calls: `calls` calls of `add(i, 1)` issued at once, then awaited together.
 *
 * @returns Calls per second.
 */
export async function pipelined(client: EchoClient, calls: number): Promise<number> {
  const pending: Promise<number>[] = new Array(calls);
  const start = performance.now();
  for (let i = 0; i < calls; i++) pending[i] = client.add(i, 1);
  const results = await Promise.all(pending);
  const elapsed = performance.now() - start;
  check(results[calls - 1] === calls, `add(${calls - 1}, 1) returned ${results[calls - 1]}`);
  return calls / (elapsed / 1000);
}

/**
 * One round trip of an `ArrayBuffer` of `bytes` bytes, copied or transferred.
 * The buffer is made before the clock starts.
 *
 * @returns Milliseconds.
 */
export async function roundTrip(
  client: EchoClient,
  bytes: number,
  transfer: boolean,
): Promise<number> {
  if (transfer && client.echoTransfer === undefined) {
    throw new Error("Cannot benchmark: this subject cannot transfer");
  }
  const buffer = new Uint8Array(bytes).fill(7).buffer;
  await collectGarbage(); // the previous round's clones
  const start = performance.now();
  const back = transfer ? await client.echoTransfer!(buffer) : await client.echo(buffer);
  const elapsed = performance.now() - start;
  check(back.byteLength === bytes, `a ${bytes}-byte buffer came back as ${back.byteLength}`);
  return elapsed;
}

/**
 * Starts one instance and makes its first call: for a plugin, manifest to
 * first call; for a raw worker or child, start to first message.
 *
 * @returns Milliseconds; the instance is closed after the clock stops.
 */
export async function loadToFirstCall(subject: Subject): Promise<number> {
  const start = performance.now();
  const client = await subject.open();
  const sum = await client.add(1, 2);
  const elapsed = performance.now() - start;
  await client.close();
  check(sum === 3, `the first add(1, 2) returned ${sum}`);
  return elapsed;
}

/**
 * Starts `count` instances at once, each to its first call.
 *
 * @returns Milliseconds of wall time; the instances are closed after the clock stops.
 */
export async function parallelLoads(subject: Subject, count: number): Promise<number> {
  const start = performance.now();
  const clients = await Promise.all(
    Array.from({ length: count }, async () => {
      const client = await subject.open();
      await client.add(1, 2);
      return client;
    }),
  );
  const elapsed = performance.now() - start;
  await Promise.all(clients.map((client) => client.close()));
  return elapsed;
}
