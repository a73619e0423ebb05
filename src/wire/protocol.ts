/**
 * The wire protocol between the host and a plugin's runtime. Types only: every
 * isolation tier carries these messages unchanged, so host and runtime agree on
 * them in one place. The first message each way is the handshake (`init` →
 * `ready` or `load-error`), which carries {@linkcode PROTOCOL_VERSION}.
 *
 * @module
 */

/** What an exported symbol is, as the plugin's runtime reports it. */
export type SymbolKind = "function" | "variable" | "value";

/** One exported symbol of a plugin. */
export interface SymbolInfo {
  /** The export's name (`default` for the default export). */
  name: string;
  /** `function`: callable; `variable`: made with the SDK's `variable()`, readable and writable; `value`: any other export, read-only. */
  kind: SymbolKind;
}

/** An error as data: how thrown values cross the boundary. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** For a `PayloadTooLargeError`: the result's approximate size in bytes. */
  size?: number;
  /** For a `ValidationError` the runtime raised: where in the result, e.g. `result.items[2]`. */
  path?: string;
}

/** Host → plugin: start the plugin by importing its entry module. */
export interface InitMessage {
  type: "init";
  protocol: number;
  /** The plugin's name, for messages. */
  plugin: string;
  /** Absolute URL of the plugin's entry module. */
  entry: string;
  /** The largest result, in approximate bytes, the runtime may send. */
  maxMessageBytes: number;
  /**
   * The environment variables the plugin's grant names (`"APP_*"` a prefix),
   * so that `Deno.env.toObject()` can list the ones it may read. Reading
   * still goes through Deno's own check.
   */
  env?: readonly string[];
  /** The shared memory of the low-latency channel, when the host opened one (worker tier). */
  channel?: SharedArrayBuffer;
  /**
   * Process tier: the session tag (hex) every frame to the host must carry,
   * known only to the runtime. The child's stdout is reachable from plugin
   * code; the tag keeps what plugin code writes there from passing as a message.
   */
  session?: string;
  /**
   * Worker tier: the port every later message travels on, both ways. Only the
   * runtime holds it, so a plugin calling `self.postMessage` reaches nothing.
   */
  port?: MessagePort;
}

/**
 * Either way, with the low-latency channel: a batch waits in the channel and
 * the receiver was not watching it.
 */
export interface WakeMessage {
  type: "wake";
}

/** Every message the host sends. */
export type HostMessage = InitMessage | HostBatch | WakeMessage;

/**
 * Host → plugin: the requests of one tick (calls, reads, writes, cancels,
 * pings) as flat records, laid out as `src/wire/records.ts` describes. Each
 * request carries an `id` that its reply repeats.
 */
export interface HostBatch {
  type: "batch";
  records: unknown[];
  /**
   * With the low-latency channel, the batch's place among those sent either
   * way, so that the runtime runs them in the order the host sent them.
   */
  order?: number;
}

/** Plugin → host: the entry module loaded; here is what it exports. */
export interface ReadyMessage {
  type: "ready";
  protocol: number;
  symbols: SymbolInfo[];
}

/** Plugin → host: the entry module failed to load or threw at top level. */
export interface LoadErrorMessage {
  type: "load-error";
  protocol: number;
  error: WireError;
}

/** Plugin → host: plugin code is ending its isolate (`Deno.exit()`, `self.close()`); sent just before. */
export interface ExitMessage {
  type: "exit";
  reason: string;
}

/** How loud a log line is, after the `console` method that wrote it. */
export type LogLevel = "debug" | "info" | "log" | "warn" | "error";

/** Plugin → host: plugin code wrote to its console. */
export interface LogMessage {
  type: "log";
  level: LogLevel;
  text: string;
}

/**
 * Plugin → host: plugin code probed an environment variable outside its
 * grant and was told it is unset. Sent once per name, for at most
 * `MAX_ENV_PROBES` names (`src/wire/env_probe_limits.ts`).
 */
export interface DeniedMessage {
  type: "denied";
  kind: "env";
  /** The variable's name, cut to `MAX_ENV_NAME_CHARS`. */
  value: string;
  /** The exported function whose call probed it, when the runtime can tell. */
  symbol?: string;
}

/** Plugin → host: the replies (and pongs) of one tick as flat records, laid out as `src/wire/records.ts` describes. */
export interface PluginBatch {
  type: "batch";
  records: unknown[];
  /**
   * With the low-latency channel, the batch's place among those sent either
   * way, so that the host reads them in the order the runtime sent them.
   */
  order?: number;
}

/** Every message a plugin's runtime sends. */
export type PluginMessage =
  | PluginBatch
  | ReadyMessage
  | LoadErrorMessage
  | ExitMessage
  | LogMessage
  | DeniedMessage
  | WakeMessage;
