/**
 * How a plugin version's connections are opened, the first and any after a
 * crash: its isolate's spec, deadlines, log and denial reports, and the host
 * functions it may call.
 *
 * @module
 */
import { Connection, type OpenOptions } from "../connection/connection.ts";
import { hostCallValidator } from "../contract/host_validation.ts";
import type { IsolateSpec } from "../isolation/types.ts";
import type { LogLevel } from "../wire/protocol.ts";
import { providedFunctions } from "./host_functions.ts";
import type { Learning } from "./learning.ts";
import { atMost } from "./limits.ts";
import type { Plan } from "./prepare.ts";
import type { HostSettings } from "./settings.ts";
import type { Opener } from "./supervisor.ts";
import type { LoadOptions } from "./types.ts";

/** What the opener reports to its host. */
export interface OpenerContext {
  readonly settings: HostSettings;
  /** A line the plugin logged. */
  logLine(level: LogLevel, text: string): void;
  /** A permission the plugin was refused. */
  denied(detail: { kind: string; value: string | undefined; symbol: string | undefined }): void;
}

/** The opener of the planned version's connections. */
export function openerFor(
  plan: Plan,
  options: LoadOptions,
  learning: Learning | undefined,
  context: OpenerContext,
): Opener {
  const { prepared, tier, contract } = plan;
  const { manifest } = prepared;
  const { settings } = context;
  const { maxMessageBytes } = settings;
  const spec: IsolateSpec = {
    plugin: manifest.name,
    ...prepared,
    maxMessageBytes,
    auditDir: learning?.auditDir,
  };
  const bounds: Omit<OpenOptions, "onCrash" | "requeue" | "signal"> = {
    // The manifest may only shorten the host's deadline: it is the plugin's word, not the host's.
    timeoutMs: options.timeoutMs ?? atMost(manifest.limits.loadTimeoutMs, settings.loadTimeoutMs),
    maxMessageBytes,
    onLog: context.logLine,
    onDenied: ({ kind, value, symbol }) => {
      learning?.denied(kind, value);
      context.denied({ kind, value, symbol });
    },
    lowLatency: options.lowLatency,
    hostFunctions: {
      functions: providedFunctions(prepared.grant.host, options.provide),
      check: contract === undefined || !settings.validate
        ? undefined
        : (name) => hostCallValidator(manifest.name, contract, name),
      maxConcurrent: settings.maxConcurrentHostCalls,
    },
  };
  return (hooks, signal) => Connection.open(tier, spec, { ...bounds, ...hooks, signal });
}
