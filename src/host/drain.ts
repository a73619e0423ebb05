/**
 * The end of a version replaced by a hot reload: it finishes the calls and
 * streams it has in flight, then closes.
 *
 * @module
 */
import type { Supervisor } from "./supervisor.ts";

/** How often a draining version is looked at; a reply usually comes well within it. */
const POLL_MS = 5;

/**
 * Waits until `supervisor`'s plugin has no call or stream in flight, or until
 * `boundMs` passed, then closes it: whatever is still under way then fails
 * with `PluginClosedError`. Never rejects.
 */
export async function drainThenClose(supervisor: Supervisor, boundMs: number): Promise<void> {
  const until = performance.now() + boundMs;
  // No new call reaches this version any more, so the count only goes down.
  while (!supervisor.ended && performance.now() < until && busy(supervisor)) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  await supervisor.close().catch(() => {});
}

/** Whether the plugin has calls or streams under way, or is restarting with calls waiting. */
function busy(supervisor: Supervisor): boolean {
  const connection = supervisor.ready;
  return connection === undefined || connection.inFlight > 0;
}
