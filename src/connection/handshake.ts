import { IncompatiblePluginError, type PluginError, PluginLoadError } from "../errors/errors.ts";
import { PluginCrashedError } from "../errors/unanswered_errors.ts";
import type { Isolate, IsolateSpec, IsolationTier } from "../isolation/types.ts";
import type { LoadErrorMessage, ReadyMessage, SymbolInfo } from "../wire/protocol.ts";
import { PROTOCOL_VERSION } from "../wire/protocol_version.ts";
import { isWireError, remoteError } from "./reply.ts";
import { checkSymbols, kindOf } from "./message_check.ts";
import { capText } from "../wire/bounded_error.ts";
import { neutraliseText } from "../wire/log_text.ts";
import { boundedWait } from "../wire/bounded_wait.ts";
import { errorText } from "../wire/error_text.ts";
import type { Bounds } from "./pending.ts";

/** The most of a load error's message that goes into the host's error. */
const MAX_ERROR_CHARS = 8_192;

/**
 * The start of a connection: the host's `init`, then the runtime's `ready`
 * (the plugin's exports) or `load-error`. It settles on the answer, the
 * deadline, an abort, or the isolate ending first.
 */
export class Handshake {
  /** The plugin's exports, once the runtime answered `ready`. */
  readonly done: Promise<SymbolInfo[]>;
  readonly #spec: IsolateSpec;
  readonly #resolve: (symbols: SymbolInfo[]) => void;
  readonly #reject: (error: unknown) => void;

  /**
   * Sends `init` and starts the deadline.
   *
   * @param channel The low-latency channel's memory, when one is opened.
   */
  constructor(
    isolate: Isolate,
    spec: IsolateSpec,
    bounds: Bounds,
    channel: SharedArrayBuffer | undefined,
  ) {
    this.#spec = spec;
    const { promise, resolve, reject } = Promise.withResolvers<SymbolInfo[]>();
    this.#resolve = resolve;
    this.#reject = reject;
    const since = performance.now();
    this.done = boundedWait(promise, {
      timeoutMs: bounds.timeoutMs,
      signal: bounds.signal,
      onTimeout: () => {
        const elapsed = Math.round(performance.now() - since);
        throw new PluginLoadError(
          spec.plugin,
          `it did not finish loading within ${bounds.timeoutMs} ms, its deadline: no answer after ${elapsed} ms; ` +
            "check its entry module for slow top-level code, " +
            "or raise the deadline with the load's timeoutMs or createHost({ loadTimeoutMs })",
        );
      },
    });
    try {
      isolate.send({
        type: "init",
        protocol: PROTOCOL_VERSION,
        plugin: spec.plugin,
        entry: spec.entry,
        maxMessageBytes: spec.maxMessageBytes,
        // For Deno.env.toObject() in the plugin, which lists only what the grant lets it read.
        ...(spec.grant?.env?.length ? { env: spec.grant.env } : {}),
        ...(channel === undefined ? {} : { channel }),
      });
    } catch (cause) {
      reject(
        new PluginLoadError(
          spec.plugin,
          `its isolate did not accept the handshake: ${errorText(cause)}`,
          { cause },
        ),
      );
    }
  }

  /** The runtime's answer. */
  answer(message: ReadyMessage | LoadErrorMessage): void {
    const plugin = this.#spec.plugin;
    if (message.protocol !== PROTOCOL_VERSION) {
      this.#reject(
        new IncompatiblePluginError(plugin, [
          `its runtime speaks sandplug protocol ${
            typeof message.protocol === "number" ? message.protocol : kindOf(message.protocol)
          } but this host speaks ` +
          `protocol ${PROTOCOL_VERSION}; use the same @sandplug/host version for the host and the ` +
          "plugin's runtime",
        ]),
      );
    } else if (message.type === "ready") {
      const symbols = checkSymbols(message.symbols);
      if (typeof symbols === "string") this.#invalid(symbols);
      else this.#resolve(symbols);
    } else if (message.type === "load-error" && isWireError(message.error)) {
      const { name, message: text } = message.error;
      this.#reject(
        new PluginLoadError(
          plugin,
          `its entry module ${this.#spec.entry} failed: ${
            neutraliseText(`${capText(name, 256)}: ${capText(text, MAX_ERROR_CHARS)}`, Infinity)
          }`,
          { cause: remoteError(message.error) },
        ),
      );
    } else {
      this.#invalid(`a ${message.type} message carries no error`);
    }
  }

  /** The runtime answered, but not as the protocol says: the load fails, quoting none of it. */
  #invalid(problem: string): void {
    this.#reject(
      new PluginLoadError(
        this.#spec.plugin,
        `its runtime sent an invalid handshake: ${problem}; a plugin must not send protocol ` +
          "messages of its own, so check what its code does at load",
      ),
    );
  }

  /** The isolate ended before it answered. */
  ended(reason: string): void {
    this.#reject(
      new PluginLoadError(this.#spec.plugin, `its isolate ended while loading: ${reason}`),
    );
  }
}

/**
 * Refuses a low-latency channel the tier cannot open.
 *
 * @throws {PluginLoadError} When `lowLatency` is asked of a tier that shares no memory with the host.
 */
export function checkLowLatency(
  tier: IsolationTier,
  plugin: string,
  lowLatency: boolean | undefined,
): void {
  if (!lowLatency || tier.lowLatency !== undefined) return;
  throw new PluginLoadError(
    plugin,
    `the ${tier.name} tier cannot open a low-latency channel (lowLatency: true): it shares no memory ` +
      'with the host; load it with isolation: "worker", or without lowLatency',
  );
}

/** The load's error for an isolate that ended right after it answered the handshake. */
export function endedWhileLoading(plugin: string, failure: PluginError): PluginLoadError {
  const reason = failure instanceof PluginCrashedError ? failure.reason : failure.message;
  return new PluginLoadError(plugin, `its isolate ended while loading: ${reason}`, {
    cause: failure,
  });
}
