/**
 * What arrives from a plugin's runtime, checked as hostile input and then
 * routed: reply batches (read in the order the runtime sent them), exits,
 * log lines, environment probes, wake-ups, and the handshake's answer. A
 * message the host cannot take ends the plugin, never the host.
 *
 * @module
 */
import type { LoadErrorMessage, LogLevel, PluginMessage, ReadyMessage } from "../wire/protocol.ts";
import { errorText } from "../wire/error_text.ts";
import { InOrder } from "../wire/in_order.ts";
import { neutraliseText } from "../wire/log_text.ts";
import { MAX_ENV_NAME_CHARS, MAX_ENV_PROBES } from "../wire/env_probe_limits.ts";
import { messageProblem } from "./message_check.ts";
import type { Denial } from "./reply.ts";

/**
 * How many of a runtime's batches may wait for an earlier one: a message
 * overtaken by a few channel batches is normal; a runtime that skips a
 * number would make the host hold everything after it.
 */
const MAX_HELD_BATCHES = 1024;

/** Where each kind of message goes. */
export interface IncomingRoutes {
  /** A batch of replies and requests, in the runtime's order. */
  read(records: unknown[]): void;
  /** The plugin announced its end, or broke the protocol. */
  crash(reason: string): void;
  log?(level: LogLevel, text: string): void;
  denied?(denial: Denial): void;
  /** The runtime wrote into the low-latency channel and the host was not watching. */
  wake(): void;
  /** The handshake's answer (a protocol break once it is done). */
  answer(message: ReadyMessage | LoadErrorMessage): void;
}

/** One connection's incoming messages. */
export class Incoming {
  readonly #routes: IncomingRoutes;
  readonly #ordered: InOrder;
  /** How many environment probes the runtime reported: the host bounds them too. */
  #envProbes = 0;

  constructor(routes: IncomingRoutes) {
    this.#routes = routes;
    this.#ordered = new InOrder((records) => routes.read(records));
  }

  /** A message from the runtime. */
  receive(message: PluginMessage): void {
    const problem = messageProblem(message);
    if (problem !== undefined) return this.#broke(problem);
    try {
      switch (message.type) {
        case "batch":
          return this.batch(message.records, message.order);
        case "exit":
          return this.#routes.crash(message.reason);
        case "log":
          return this.#routes.log?.(message.level, message.text);
        case "denied":
          if (++this.#envProbes > MAX_ENV_PROBES) return;
          return this.#routes.denied?.({
            kind: "env",
            value: neutraliseText(message.value, MAX_ENV_NAME_CHARS),
            symbol: message.symbol,
          });
        case "wake":
          return this.#routes.wake();
        default:
          return this.#routes.answer(message);
      }
    } catch (error) {
      this.#broke(`the host could not handle its ${message.type} message (${errorText(error)})`);
    }
  }

  /**
   * A batch, by message or through the channel, read in the order the
   * runtime sent it: with the channel, a later batch can overtake one that
   * went as a message, and stream items and host calls must be read in order.
   */
  batch(records: unknown[], order: number | undefined): void {
    if (order !== undefined && this.#ordered.seen(order)) {
      return this.#broke(`it sent batch ${order} twice`);
    }
    this.#ordered.take(order, records);
    if (this.#ordered.held > MAX_HELD_BATCHES) {
      this.#broke(`it sent over ${MAX_HELD_BATCHES} batches ahead of one it never sent`);
    }
  }

  #broke(problem: string): void {
    this.#routes.crash(`it broke the protocol: ${problem}`);
  }
}
