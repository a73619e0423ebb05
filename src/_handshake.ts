import { IncompatiblePluginError, PluginLoadError } from "./errors.ts";
import type { Isolate, IsolateSpec } from "./isolation/types.ts";
import type { LoadErrorMessage, ReadyMessage, SymbolInfo } from "./protocol.ts";
import { PROTOCOL_VERSION } from "./protocol_version.ts";
import { isWireError } from "./_wire.ts";
import type { Bounds } from "./_pending.ts";

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
    const timer = setTimeout(() => {
      reject(
        new PluginLoadError(
          spec.plugin,
          `it did not finish loading within ${bounds.timeoutMs} ms; check its entry module for slow top-level code, ` +
            "or raise the manifest's limits.loadTimeoutMs",
        ),
      );
    }, bounds.timeoutMs);
    const onAbort = () => reject(bounds.signal?.reason);
    bounds.signal?.addEventListener("abort", onAbort, { once: true });
    this.done = promise.finally(() => {
      clearTimeout(timer);
      bounds.signal?.removeEventListener("abort", onAbort);
    });
    try {
      isolate.send({
        type: "init",
        protocol: PROTOCOL_VERSION,
        plugin: spec.plugin,
        entry: spec.entry,
        maxMessageBytes: spec.maxMessageBytes,
        ...(channel === undefined ? {} : { channel }),
      });
    } catch (cause) {
      reject(
        new PluginLoadError(
          spec.plugin,
          `its isolate did not accept the handshake: ${String(cause)}`,
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
          `its runtime speaks sandplug protocol ${String(message.protocol)} but this host speaks ` +
          `protocol ${PROTOCOL_VERSION}; use the same @sandplug/host version for the host and the ` +
          "plugin's runtime",
        ]),
      );
    } else if (message.type === "ready" && Array.isArray(message.symbols)) {
      this.#resolve(message.symbols);
    } else if (message.type === "load-error" && isWireError(message.error)) {
      this.#reject(
        new PluginLoadError(
          plugin,
          `its entry module ${this.#spec.entry} failed: ${message.error.name}: ${message.error.message}`,
          { cause: message.error },
        ),
      );
    } else {
      this.#reject(
        new PluginLoadError(
          plugin,
          `its runtime sent an invalid handshake: ${JSON.stringify(message)}`,
        ),
      );
    }
  }

  /** The isolate ended before it answered. */
  ended(reason: string): void {
    this.#reject(
      new PluginLoadError(this.#spec.plugin, `its isolate ended while loading: ${reason}`),
    );
  }
}
