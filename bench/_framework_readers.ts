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
  return `${us(r, "fw:inline")} against ${us(r, "fw:direct")}: about ${perCall("fw:inline")} a ` +
    `call against ${perCall("fw:direct")} for a direct \`async\` call. A run checks the pod ` +
    "once and calls the plugin directly about each node, a synchronous answer taken as it " +
    "comes; what is left is the check of each node (three nested objects) for what the other " +
    "tiers would refuse, which costs more than this plugin's Filter itself, and the call made " +
    "in the plugin's context. By hand through `p.lookup()`, where each call checks both " +
    `arguments and answers with a promise, the cycle takes ${us(r, "fw-hand:inline")}.`;
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
