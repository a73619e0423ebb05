/**
 * Loading one plugin for a command (inspect, call, learn, lock): a host with
 * the command's policy and tier, plugin output on stderr as `[name] line`, a
 * stub for each host function the manifest lists (the command has none to
 * give), and a clear message when the tier cannot start from this command line.
 *
 * @module
 */
import { findPlugin } from "../load/locate.ts";
import { PermissionPromptError, UnstableFlagError } from "../errors/errors.ts";
import type { HostPolicy } from "../permissions/permissions.ts";
import type { HostFunctions } from "../contract/host_types.ts";
import type { CliContext, CliHost, CliPlugin, Tier } from "./context.ts";
import { UsageError } from "./exit_code.ts";
import { ALLOW_MANIFEST } from "./policy.ts";
import type { Target } from "./targets.ts";

/** How a command loads its plugin. */
export interface SessionOptions {
  readonly tier?: Tier;
  /** The host policy; by default what the manifest asks for is allowed. */
  readonly policy?: HostPolicy;
  readonly learn?: boolean;
  readonly callTimeoutMs?: number;
  readonly lock?: { path: string; update: boolean };
}

/** A host that holds one loaded plugin; disposing of it closes both. */
export interface Session extends AsyncDisposable {
  readonly host: CliHost;
  readonly plugin: CliPlugin;
}

/** A host for the command: plugins' output goes to stderr, past the progress line. */
export function commandHost(context: CliContext, options: SessionOptions): CliHost {
  return context.api.createHost({
    allow: options.policy ?? ALLOW_MANIFEST,
    isolation: options.tier,
    callTimeoutMs: options.callTimeoutMs,
    lock: options.lock,
    log: (entry) => context.output.error(`[${entry.plugin}] ${entry.message}`),
  });
}

/** A function for each host function the manifest lists, failing with a message that says why. */
function stubs(names: readonly string[]): HostFunctions {
  return Object.fromEntries(names.map((name) => [name, () => {
    throw new Error(
      `the sandplug command provides no host function "${name}"; call this plugin from a host ` +
        "that provides it",
    );
  }]));
}

/**
 * The load, with the tiers' start-up refusals turned into the flags to run
 * the command with.
 *
 * @throws {UsageError} When the worker tier cannot start under this command line.
 * @throws {PluginError} Whatever the load throws otherwise.
 */
export async function loadInto(
  host: CliHost,
  target: Target,
  options: SessionOptions,
): Promise<CliPlugin> {
  // Read first for its host functions; a bad manifest fails here as it would in the load.
  const { manifest } = findPlugin(target.path);
  try {
    return await host.load(target.path, {
      isolation: options.tier,
      learn: options.learn,
      provide: stubs(manifest.host),
    });
  } catch (error) {
    if (error instanceof UnstableFlagError || error instanceof PermissionPromptError) {
      const why = error instanceof UnstableFlagError
        ? "per-worker permissions need Deno's worker-options feature, which this command line " +
          "does not turn on"
        : "the command runs on a terminal where Deno could ask you to grant a plugin's denied " +
          "permissions";
      throw new UsageError(
        `Cannot load ${target.shown} in the worker tier (${error.name}): ${why}; run the command ` +
          "as deno run -A --unstable-worker-options --no-prompt jsr:@sandplug/host/cli …, " +
          "or leave out --tier worker (the process tier needs neither)",
        { cause: error },
      );
    }
    throw error;
  }
}

/** Loads `target` in a host of its own. */
export async function openSession(
  context: CliContext,
  target: Target,
  options: SessionOptions,
): Promise<Session> {
  const host = commandHost(context, options);
  try {
    const plugin = await context.progress.around(
      `loading ${target.shown}${options.tier === undefined ? "" : ` (${options.tier} tier)`}`,
      () => loadInto(host, target, options),
    );
    return { host, plugin, [Symbol.asyncDispose]: () => host.close() };
  } catch (error) {
    await host.close();
    throw error;
  }
}
