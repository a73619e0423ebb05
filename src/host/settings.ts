/**
 * A host's options, checked once at creation, with every default filled in.
 *
 * @module
 */
import type { UpgradeApproval } from "./reload_types.ts";
import { type LockOptions, lockOptions } from "../load/lock.ts";
import { positiveOption } from "../errors/options.ts";
import type { IsolationTier } from "../isolation/types.ts";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../wire/payload.ts";
import { writeTagged } from "../wire/log_text.ts";
import { type ResolvedRestart, resolveRestart } from "./supervisor.ts";
import type { HostOptions, PluginLogEntry } from "./types.ts";

const DEFAULT_CALL_TIMEOUT_MS = 30_000;
const DEFAULT_LOAD_TIMEOUT_MS = 10_000;
/** Host calls one plugin may have running at once: enough for any real fan-out, not a flood. */
const DEFAULT_MAX_CONCURRENT_HOST_CALLS = 64;

/** Every option of a host but its policy and compiled-in plugins, checked. */
export interface HostSettings {
  readonly isolation: string;
  readonly callTimeoutMs: number;
  readonly loadTimeoutMs: number;
  readonly maxMessageBytes: number;
  readonly validate: boolean;
  readonly restart: ResolvedRestart;
  readonly log: (entry: PluginLogEntry) => void;
  readonly allowInline: boolean;
  readonly maxConcurrentHostCalls: number;
  readonly onUpgrade: UpgradeApproval | undefined;
  readonly lock: LockOptions | undefined;
}

/** The default log sink: `[plugin] line` on stderr, never throwing, whatever the line holds. */
function writeToStderr(entry: PluginLogEntry): void {
  writeTagged(entry.plugin, entry.message);
}

/**
 * Checks a host's options against the tiers it has.
 *
 * @throws {TypeError} When an option is of the wrong type.
 * @throws {RangeError} When the tier is unknown, or a deadline or limit is not a positive number.
 */
export function hostSettings(
  options: HostOptions,
  tiers: Readonly<Record<string, IsolationTier>>,
): HostSettings {
  const isolation = options.isolation ?? "process";
  if (!Object.hasOwn(tiers, isolation)) {
    throw new RangeError(
      `Cannot create host: isolation ${JSON.stringify(isolation)} is not a tier; use one of: ${
        Object.keys(tiers).join(", ")
      }`,
    );
  }
  const where = "create host";
  const positive = (name: keyof HostOptions, value: number | undefined, fallback: number) =>
    positiveOption(where, name, value, fallback, name === "maxMessageBytes" ? "bytes" : undefined);
  const callTimeoutMs = positive("callTimeoutMs", options.callTimeoutMs, DEFAULT_CALL_TIMEOUT_MS);
  const loadTimeoutMs = positive("loadTimeoutMs", options.loadTimeoutMs, DEFAULT_LOAD_TIMEOUT_MS);
  const maxMessageBytes = positive(
    "maxMessageBytes",
    options.maxMessageBytes,
    DEFAULT_MAX_MESSAGE_BYTES,
  );
  const restart = resolveRestart(options.restart, where);
  if (options.log !== undefined && typeof options.log !== "function") {
    throw new TypeError(
      `Cannot create host: log must be a function; current value is ${String(options.log)}`,
    );
  }
  return {
    isolation,
    callTimeoutMs,
    loadTimeoutMs,
    maxMessageBytes,
    validate: options.validate ?? true,
    restart,
    log: options.log ?? writeToStderr,
    allowInline: options.allowInline ?? true,
    maxConcurrentHostCalls: positive(
      "maxConcurrentHostCalls",
      options.maxConcurrentHostCalls,
      DEFAULT_MAX_CONCURRENT_HOST_CALLS,
    ),
    onUpgrade: approval(options.onUpgrade, where),
    lock: options.lock === undefined ? undefined : lockOptions(options.lock),
  };
}

/** An `onUpgrade` option, checked to be a function. */
export function approval(given: unknown, where: string): UpgradeApproval | undefined {
  if (given === undefined || typeof given === "function") return given as UpgradeApproval;
  throw new TypeError(
    `Cannot ${where}: onUpgrade must be a function (diff) => boolean; current value is ${
      String(given)
    }`,
  );
}
