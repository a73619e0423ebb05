/**
 * The "what limits it" readings of issue 16's targets (`bench/_framework.ts`).
 *
 * @module
 */
import { format, type Judged } from "./_report.ts";
import type { Results } from "./_results.ts";
import { CALLS } from "./_framework.ts";

type Reader = (results: Results, entry: Judged) => string;

function us(results: Results, key: string): string {
  return format(results.median(key), "µs");
}

function inlineReader(r: Results): string {
  const perCall = (key: string) => format(r.median(key) / CALLS, "µs");
  return `${us(r, "fw:inline")} against ${us(r, "fw:direct")}, of which the framework's own ` +
    `work (the batches, the checks of each value, the metrics) is ${
      format(r.median("fw:inline") - r.median("fw-hand:inline"), "µs")
    }: the same cycle by hand through \`p.lookup()\` takes ${us(r, "fw-hand:inline")}. The ` +
    `rest is the inline tier's call: about ${perCall("fw-hand:inline")} a call against ` +
    `${perCall("fw:direct")} for a direct \`async\` call, since each call's arguments (a pod and ` +
    "a node, nested objects) and its result are walked for what the other tiers would refuse, " +
    "and the call is made in the plugin's context with its deadline.";
}

function sandboxReader(tier: string): Reader {
  return (r) => {
    const rt = r.median(`fw-rt:${tier}`);
    const perCall = (r.median(`fw:${tier}`) - 2 * rt) / CALLS;
    return `${us(r, `fw:${tier}`)}, ${
      (r.median(`fw:${tier}`) / rt).toFixed(1)
    } round trips, against ${
      (r.median(`fw-seq:${tier}`) / rt).toFixed(0)
    } with each call awaited in turn. Each point's calls leave in one tick, so the latency is ` +
      `two round trips; the rest is the calls' own work, about ${
        format(perCall, "µs")
      } per call at a pipelined rate: copying a pod and a node (nested objects) into the ` +
      "plugin and the answer back, and the plugin's dispatch, as in the pipelined rows above.";
  };
}

/** The readings of this table's targets not met, by results key. */
export const FRAMEWORK_READERS: Record<string, Reader> = {
  "fw:inline": inlineReader,
  "fw:worker": sandboxReader("worker"),
  "fw:process": sandboxReader("process"),
};
