/**
 * A tier whose "runtime" is a script: it says whatever a test makes it say,
 * as a subverted runtime could, so that the host's checks of what arrives
 * can be tested without one.
 */
import type { IsolationTier } from "../../src/isolation/types.ts";

/**
 * A tier whose "runtime" answers init with `answer`, then sends what `after`
 * holds `afterMs` later (in the same tick when 0). The records of every batch
 * the host sends it go into `received`, when given.
 */
export function scriptedTier(
  answer: () => unknown,
  after: () => unknown[] = () => [],
  afterMs = 20,
  received?: unknown[][],
): {
  tier: IsolationTier;
  terminated: () => boolean;
} {
  let terminated = false;
  const tier: IsolationTier = {
    name: "scripted",
    enforces: { permissions: true, memoryLimit: true },
    start(_spec, events) {
      return {
        send(message) {
          if (message.type === "batch") received?.push(message.records);
          if (message.type !== "init") return;
          setTimeout(() => {
            events.message(answer() as never);
            const send = () => after().forEach((m) => events.message(m as never));
            if (afterMs === 0) send();
            else setTimeout(send, afterMs);
          }, 0);
        },
        terminate() {
          terminated = true;
        },
      };
    },
  };
  return { tier, terminated: () => terminated };
}
