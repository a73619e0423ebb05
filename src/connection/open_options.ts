import type { PluginCrashedError } from "../errors/unanswered_errors.ts";
import type { LogLevel } from "../wire/protocol.ts";
import type { Denial } from "./reply.ts";
import type { HostCallTargets } from "./host_calls.ts";
import type { Bounds, Pending } from "./pending.ts";

/** How to open a connection: the load's bounds, the payload limit, and who hears of a crash. */
export interface OpenOptions extends Bounds {
  maxMessageBytes: number;
  onCrash(error: PluginCrashedError): void;
  /** A line plugin code logged. */
  onLog?(level: LogLevel, text: string): void;
  /** Plugin code was refused a permission (seen in an error it let through, or an environment probe). */
  onDenied?(denial: Denial): void;
  /** Open the low-latency channel (worker tier only: it shares memory with the plugin). */
  lowLatency?: boolean;
  /** The host functions the plugin may call; none when absent. */
  hostFunctions?: HostCallTargets;
  /**
   * Offered each call plugin code never started when the isolate ends: `true`
   * takes it (the supervisor sends it again once the plugin restarted).
   */
  requeue?(pending: Pending): boolean;
}
