/**
 * Issue 12's figures: a host function called from the plugin against a
 * host→plugin call, a stream of small items against as many pipelined
 * calls, and 64 KiB chunks streamed against a raw `ReadableStream` that a
 * worker transfers to the main thread, in the worker and process tiers.
 *
 * @module
 */
import { createHost, type Host, type Plugin } from "@sandplug/host";
import { collectGarbage } from "./_collect.ts";
import { guarded, type Results } from "./_results.ts";
import type { SuiteConfig } from "./_suites.ts";

/** The plugin these figures load: `loop(k)` calls the host's `echo`, `count(n)` and `chunks()` stream. */
export const TALK_BACK_PLUGIN = new URL("./plugins/talk_back/", import.meta.url);
const STREAM_WORKER = new URL("./fixtures/stream_worker.ts", import.meta.url);

/** The tiers measured: the inline tier crosses no boundary, so it has nothing to compare. */
export const TALK_BACK_TIERS = ["worker", "process"] as const;

/** The id of the diagnostic subject: the worker tier loaded with `lowLatency: true`. */
export const LOW_LATENCY = "sp-worker-ll";

/** The window `p.stream()` uses unless told otherwise (issue 12: "of the order of 16"). */
export const DEFAULT_WINDOW = 16;
/** A larger window, as a diagnostic: how much of the stream's rate its window bounds. */
export const WIDE_WINDOW = 256;

/** The chunk size and how much the chunk figures read per run. */
export const CHUNK_BYTES = 64 * 1024;
export const CHUNK_TOTAL_MIB = 64;
const MIB = 1024 * 1024;
const CHUNKS = (CHUNK_TOTAL_MIB * MIB) / CHUNK_BYTES;

/** How many turns the two halves of the host-call figure take within one run. */
const SLICES = 10;

const started = performance.now();

function log(text: string): void {
  console.error(`bench: ${Math.round((performance.now() - started) / 1000)} s: talk-back: ${text}`);
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`Cannot benchmark: ${what}`);
}

/**
 * `calls` host function round trips made by the plugin inside one
 * host→plugin call (`loop(calls)`).
 *
 * @returns Microseconds per host call.
 */
async function hostCalls(plugin: Plugin, calls: number): Promise<number> {
  const start = performance.now();
  const sum = (await plugin.call("loop", [calls])) as number;
  const elapsed = performance.now() - start;
  check(sum === (calls * (calls - 1)) / 2, `loop(${calls}) returned ${sum}`);
  return (elapsed * 1000) / calls;
}

/**
 * `calls` host→plugin calls of `echo(i)`, each awaited before the next.
 *
 * @returns Microseconds per call.
 */
async function pluginCalls(plugin: Plugin, calls: number): Promise<number> {
  let sum = 0;
  const start = performance.now();
  for (let i = 0; i < calls; i++) sum += (await plugin.call("echo", [i])) as number;
  const elapsed = performance.now() - start;
  check(sum === (calls * (calls - 1)) / 2, `echo(0 … ${calls - 1}) summed to ${sum}`);
  return (elapsed * 1000) / calls;
}

/**
 * `p.stream("count", [items])` read to its end.
 *
 * @returns Items per second.
 */
async function streamed(plugin: Plugin, items: number, window: number): Promise<number> {
  let read = 0;
  let last = -1;
  const start = performance.now();
  for await (const item of plugin.stream<number>("count", [items], { window })) {
    read++;
    last = item;
  }
  const elapsed = performance.now() - start;
  check(read === items && last === items - 1, `count(${items}) gave ${read} items`);
  return items / (elapsed / 1000);
}

/**
 * `calls` calls of `echo(i)` issued at once, then awaited together.
 *
 * @returns Calls per second.
 */
async function pipelined(plugin: Plugin, calls: number): Promise<number> {
  const start = performance.now();
  const results = await Promise.all(
    Array.from({ length: calls }, (_, i) => plugin.call("echo", [i])),
  );
  const elapsed = performance.now() - start;
  check(results[calls - 1] === calls - 1, `echo(${calls - 1}) returned ${results[calls - 1]}`);
  return calls / (elapsed / 1000);
}

/** Reads a stream of chunks to its end, checking their size, from `start`. */
async function readChunks(stream: ReadableStream<Uint8Array>, start: number): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.byteLength;
  const elapsed = performance.now() - start;
  check(bytes === CHUNKS * CHUNK_BYTES, `${CHUNKS} chunks came to ${bytes} bytes`);
  return bytes / MIB / (elapsed / 1000);
}

/** `p.stream("chunks")`: 64 MiB in 64 KiB chunks. @returns MiB per second. */
async function pluginChunks(plugin: Plugin): Promise<number> {
  await collectGarbage();
  const start = performance.now();
  return await readChunks(plugin.stream<Uint8Array>("chunks", [CHUNKS, CHUNK_BYTES]), start);
}

/** A raw module worker that transfers a `ReadableStream` of chunks to the main thread. */
class RawStreamWorker {
  readonly #worker = new Worker(STREAM_WORKER, { type: "module" });

  /** Asks for the chunks and reads them. @returns MiB per second. */
  async chunks(): Promise<number> {
    await collectGarbage();
    const start = performance.now();
    const { promise, resolve, reject } = Promise.withResolvers<ReadableStream<Uint8Array>>();
    this.#worker.onmessage = (event) => resolve(event.data);
    this.#worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
    this.#worker.postMessage({ count: CHUNKS, bytes: CHUNK_BYTES });
    return await readChunks(await promise, start);
  }

  close(): void {
    this.#worker.terminate();
  }
}

/** The host functions the plugin's manifest asks for. */
const provide = { echo: (x: unknown) => x };

/** Loads the plugin on `host` and runs the host-call figure once, untimed, to warm it up. */
async function load(host: Host, config: SuiteConfig, lowLatency = false): Promise<Plugin> {
  const plugin = await host.load(TALK_BACK_PLUGIN, { provide, lowLatency });
  // Long enough for the JIT to settle, as the call suite's warm-up.
  await hostCalls(plugin, config.sequentialCalls);
  await pluginCalls(plugin, config.sequentialCalls);
  return plugin;
}

/** The keys one subject's figures are recorded under. */
export function talkBackKeys(id: string): string[] {
  return [
    `hostcall:${id}`,
    `hostcall-base:${id}`,
    `stream:${id}`,
    `stream-wide:${id}`,
    `stream-pipe:${id}`,
    `chunks:${id}`,
  ];
}

/** One sample of both halves of the host-call figure, in slices that take turns. */
async function hostCallSample(results: Results, id: string, plugin: Plugin, calls: number) {
  await guarded(results, [`hostcall:${id}`, `hostcall-base:${id}`], async () => {
    // Turns, so that a slow spell of the machine falls on both halves.
    let fromPlugin = 0;
    let toPlugin = 0;
    for (let slice = 0; slice < SLICES; slice++) {
      fromPlugin += await hostCalls(plugin, calls / SLICES);
      toPlugin += await pluginCalls(plugin, calls / SLICES);
    }
    results.add(`hostcall:${id}`, fromPlugin / SLICES);
    results.add(`hostcall-base:${id}`, toPlugin / SLICES);
  });
}

/** Runs every figure `config.callRuns` times, the subjects taking turns within each run. */
export async function talkBackSuite(results: Results, config: SuiteConfig): Promise<void> {
  const hosts: Host[] = [];
  const plugins = new Map<string, Plugin>();
  /** Diagnostic: the worker tier with the low-latency channel, host-call figure only. */
  let lowLatency: Plugin | undefined;
  const calls = config.sequentialCalls;
  const items = config.pipelinedCalls;
  for (const tier of TALK_BACK_TIERS) {
    const id = `sp-${tier}`;
    await guarded(results, talkBackKeys(id), async () => {
      const host = createHost({ isolation: tier, validate: false });
      hosts.push(host);
      const plugin = await load(host, config);
      await streamed(plugin, items, DEFAULT_WINDOW);
      await pipelined(plugin, items);
      await pluginChunks(plugin);
      plugins.set(id, plugin);
      if (tier !== "worker") return;
      await guarded(results, talkBackKeys(LOW_LATENCY).slice(0, 2), async () => {
        lowLatency = await load(host, config, true);
      });
    });
  }
  let raw: RawStreamWorker | undefined;
  await guarded(results, ["chunks:raw-worker"], async () => {
    raw = new RawStreamWorker();
    await raw.chunks();
  });
  log(`host calls, streams and chunks, ${config.callRuns} runs`);
  for (let run = 0; run < config.callRuns; run++) {
    for (const [id, plugin] of plugins) {
      await hostCallSample(results, id, plugin, calls);
      const measures: [string, () => Promise<number>][] = [
        [`stream:${id}`, () => streamed(plugin, items, DEFAULT_WINDOW)],
        [`stream-pipe:${id}`, () => pipelined(plugin, items)],
        [`stream-wide:${id}`, () => streamed(plugin, items, WIDE_WINDOW)],
        [`chunks:${id}`, () => pluginChunks(plugin)],
      ];
      for (const [key, measure] of measures) {
        await guarded(results, [key], async () => results.add(key, await measure()));
      }
    }
    if (lowLatency !== undefined) await hostCallSample(results, LOW_LATENCY, lowLatency, calls);
    await guarded(results, ["chunks:raw-worker"], async () => {
      if (raw !== undefined) results.add("chunks:raw-worker", await raw.chunks());
    });
  }
  raw?.close();
  for (const host of hosts) await guarded(results, ["close:talk-back"], () => host.close());
}
