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
}

/** Host → plugin: call an exported function. */
export interface CallMessage {
  type: "call";
  id: number;
  symbol: string;
  args: unknown[];
}

/** Host → plugin: read an exported variable or value. */
export interface GetMessage {
  type: "get";
  id: number;
  symbol: string;
}

/** Host → plugin: write an exported variable. */
export interface SetMessage {
  type: "set";
  id: number;
  symbol: string;
  value: unknown;
}

/** Host → plugin: the caller gave up on a request (deadline or abort); plugin code sees its signal abort. */
export interface CancelMessage {
  type: "cancel";
  id: number;
}

/** Host → plugin: are you still answering? Sent after a deadline passes, to tell a slow plugin from a stuck one. */
export interface PingMessage {
  type: "ping";
  id: number;
}

/** Every message the host sends. */
export type HostMessage =
  | InitMessage
  | CallMessage
  | GetMessage
  | SetMessage
  | CancelMessage
  | PingMessage
  | HostBatch;

/** Host → plugin: several messages sent in the same tick, carried as one to save a round of serialisation. */
export interface HostBatch {
  type: "batch";
  messages: HostMessage[];
}

/** A request the host sends once the plugin is ready: it carries an `id` that the reply repeats. */
export type RequestMessage = CallMessage | GetMessage | SetMessage;

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

/** Plugin → host: a request succeeded. */
export interface OkMessage {
  type: "ok";
  id: number;
  value: unknown;
}

/** Plugin → host: a request failed; `error` is what plugin code threw. */
export interface ErrMessage {
  type: "err";
  id: number;
  error: WireError;
}

/** Plugin → host: plugin code is ending its isolate (`Deno.exit()`, `self.close()`); sent just before. */
export interface ExitMessage {
  type: "exit";
  reason: string;
}

/** Plugin → host: the answer to a ping. */
export interface PongMessage {
  type: "pong";
  id: number;
}

/** How loud a log line is, after the `console` method that wrote it. */
export type LogLevel = "debug" | "info" | "log" | "warn" | "error";

/** Plugin → host: plugin code wrote to its console. */
export interface LogMessage {
  type: "log";
  level: LogLevel;
  text: string;
}

/** Plugin → host: replies that were ready together, carried as one. */
export interface PluginBatch {
  type: "batch";
  messages: PluginMessage[];
}

/** Every message a plugin's runtime sends. */
export type PluginMessage =
  | PluginBatch
  | ReadyMessage
  | LoadErrorMessage
  | OkMessage
  | ErrMessage
  | ExitMessage
  | PongMessage
  | LogMessage;
