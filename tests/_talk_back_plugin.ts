/**
 * The plugin of `tests/conformance_talk_back_test.ts`: it calls the host (once
 * while its module loads), calls what it was passed, streams out and reads
 * streams in, and keeps what the rows check in variables.
 *
 * @module
 */

/** The plugin's name, as its manifest gives it. */
export const NAME = "conformance-talk-back";

/**
 * A generator that records in the variables `produced` and `cleaned` how far
 * it was pulled and whether its `finally` ran: what backpressure and
 * cancellation rows check.
 */
export const COUNT = `export async function* count(n: number) {
  try {
    for (let i = 1; i <= n; i++) {
      produced.value = i;
      yield i;
    }
  } finally {
    cleaned.value = true;
  }
}`;

/** The plugin every variant runs, unchanged. */
export const PLUGIN = `
import {
  CallbackExpiredError,
  host,
  HostFunctionDeniedError,
  variable,
} from "@sandplug/host/plugin";

/** Made while the module loads: host functions are there from the start. */
export const atImport = await host.lookup("sum")(20, 22);
export const produced = variable(0);
export const cleaned = variable(false);

export const add = (a: number, b: number) => host.call("sum", [a, b]);
export const shout = (text: string) => host.lookup("upper")(text);

function described(error: unknown) {
  const { name, message } = error as Error;
  return {
    name,
    message,
    denied: error instanceof HostFunctionDeniedError,
    expired: error instanceof CallbackExpiredError,
  };
}
export async function attempt(name: string): Promise<unknown> {
  try {
    return { ok: await host.call(name, []) };
  } catch (error) {
    return described(error);
  }
}

let kept: ((item: unknown) => Promise<unknown>) | undefined;
export async function each(items: unknown[], report: (item: unknown) => Promise<unknown>) {
  const answers = [];
  for (const item of items) answers.push(await report(item));
  kept = report;
  return answers;
}
export async function late(): Promise<unknown> {
  try {
    return { ok: await kept?.("again") };
  } catch (error) {
    return described(error);
  }
}

${COUNT}
export function readable() {
  return ReadableStream.from(["a", "b", "c"]);
}
export async function* crashAfterOne() {
  yield 1;
  // Later than the item's batch: delivering what a plugin produced before it dies is issue 13's.
  setTimeout(() => { throw new Error("boom"); }, 50);
  await new Promise(() => {});
}

export async function all(source: AsyncIterable<unknown>): Promise<unknown[]> {
  const items = [];
  for await (const item of source) items.push(item);
  return items;
}
export async function firstOf(source: AsyncIterable<unknown>, n: number) {
  const taken = [];
  for await (const item of source) {
    taken.push(item);
    if (taken.length === n) break;
  }
  return taken;
}
/** Reads one item, then holds the stream unread for \`ms\`. */
export async function holdAfterOne(source: AsyncIterable<unknown>, ms: number) {
  for await (const item of source) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return item;
  }
}
`;

/** Its manifest: the host functions it needs. */
export const MANIFEST = { name: NAME, host: ["sum", "upper"] };

/** What the load provides: more than the manifest lists, to show the list is what counts. */
export const PROVIDE = {
  sum: (a: number, b: number) => a + b,
  upper: async (text: string) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return text.toUpperCase();
  },
  unlisted: () => "should not be reachable",
};
