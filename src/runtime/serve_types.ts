/**
 * What a tier gives a runtime's loop, and what it gets back.
 *
 * @module
 */
import type { HostMessage, InitMessage, PluginMessage } from "../wire/protocol.ts";
import type { Dispatcher } from "./dispatch.ts";
import type { HostCaller } from "./host_api.ts";

/** What a tier gives the loop. */
export interface ServeOptions {
  /**
   * Sends one message to the host.
   *
   * @throws When the message cannot be serialised (the loop turns that into an error reply).
   */
  post(message: PluginMessage, transfer?: Transferable[]): void;
  /** Loads the plugin, on the host's `init`: the handshake reply and, on success, a dispatcher. */
  load(init: InitMessage): Promise<{ reply: PluginMessage; dispatcher?: Dispatcher }>;
  /**
   * Whether `post` clones and transfers (a worker): a large result buffer is
   * then copied once and the copy transferred, rather than cloned in two copies.
   */
  copiesOnce?: boolean;
  /**
   * With the low-latency channel: how many messages other than batches
   * (logs, probes) the isolate has posted. A batch after one goes as a
   * message too, behind it: through the channel it could overtake it, and a
   * call's log lines and probes must reach the host before its reply.
   */
  sideMessages?(): number;
  /**
   * Makes `caller` the way the plugin's `host.call()` reaches the host, before
   * any plugin code runs.
   */
  installHost(caller: HostCaller): void;
}

/** Returns the function that takes each message from the host. */
/** A runtime's loop, as its tier drives it. */
export interface Served {
  /** Takes each message from the host. */
  receive(message: HostMessage): void;
  /**
   * Sends every reply and stream item already produced, now: before the
   * isolate ends (`Deno.exit()`, `self.close()`), so that no result plugin
   * code produced is lost with it.
   */
  flush(): void;
}
