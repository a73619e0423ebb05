/**
 * `sandplug lock <dir...> [--check]`: writes each plugin's entry in the
 * integrity lock, or (`--check`) verifies the plugins against it, exactly as
 * a host with `createHost({ lock })` does at every load.
 *
 * @module
 */
import { resolve } from "node:path";
import {
  type IntegrityChange,
  IntegrityError,
  LockFileError,
  PluginError,
} from "../errors/errors.ts";
import { type LockFile, readLock } from "../load/lock_file.ts";
import { compareEntries } from "../load/lock_compare.ts";
import { type CommandSpec, type Parsed, stringOption, tierOption } from "./args.ts";
import type { CliContext } from "./context.ts";
import { EXIT_OK, EXIT_PROBLEMS, type ExitCode, UsageError } from "./exit_code.ts";
import { readPolicy } from "./policy.ts";
import { commandHost, loadInto } from "./session.ts";
import { pluginTargets, type Target } from "./targets.ts";
import { reasonOf } from "./check_plugin.ts";

/** The command's arguments, options and help. */
export const lockSpec: CommandSpec = {
  name: "lock",
  summary: "write plugins' entries in the integrity lock, or check them against it",
  arguments: ["<dir...>"],
  count: { min: 1, max: Infinity },
  description: [
    "Loads each plugin as a host with createHost({ lock }) does and writes its entry in the lock:",
    "a digest of its plugin.json and of every module of its graph, its packages at their exact",
    "versions (with their integrity, in the process tier) and its grant. With --check nothing is",
    "written: each plugin is verified against its entry, and every changed, added or removed",
    "file, package and permission kind is listed. Lock in the tier your host loads plugins in:",
    "only the process tier records packages' integrity. A folder without a plugin.json is a",
    "folder of plugins. Each plugin's code runs while it loads, in its sandbox.",
  ].join("\n"),
  options: {
    check: { type: "boolean", description: "verify against the lock instead of writing it" },
    lock: {
      type: "string",
      value: "<file>",
      description: "the lock file (default ./sandplug.lock)",
    },
    tier: { type: "string", value: "<tier>", description: "process (default), worker or inline" },
    policy: {
      type: "string",
      value: "<file>",
      description: "load under this host policy (JSON shaped as createHost({ allow }))",
    },
  },
  json: "print { ok, lock, check, plugins: [{ dir, name, status, changes, error }] }",
  exits: {
    ok: "the lock was written, or (--check) every plugin matches it",
    problems: "a plugin failed to load, or (--check) differs from the lock or has no entry",
  },
  examples: [
    "sandplug lock plugins",
    "sandplug lock plugins --check",
    "sandplug lock plugins/greeter --lock ops/sandplug.lock --json",
  ],
};

/** What became of one plugin. */
type Status = "new" | "updated" | "unchanged" | "ok" | "changed" | "missing" | "failed";

interface Outcome {
  readonly dir: string;
  readonly name: string | null;
  readonly status: Status;
  readonly changes: readonly IntegrityChange[];
  readonly error?: string;
}

/** One change, as the lock's own errors word it. */
export function describeChange(change: IntegrityChange): string {
  if ("path" in change) return `file ${change.path} ${change.change}`;
  if ("permission" in change) return `permission ${change.permission} ${change.change}`;
  const { from, to } = change;
  if (from !== undefined && to !== undefined && from.specifier !== to.specifier) {
    return `package ${change.package} ${change.change} (${from.specifier} → ${to.specifier})`;
  }
  return `package ${(to ?? from)?.specifier ?? change.package} ${change.change}`;
}

function currentLock(path: string): LockFile | undefined {
  return readLock(path, path);
}

async function lockOne(
  host: ReturnType<typeof commandHost>,
  target: Target,
  options: { check: boolean; path: string; tier: ReturnType<typeof tierOption> },
  before: LockFile | undefined,
): Promise<Outcome> {
  let name: string | null = null;
  try {
    const plugin = await loadInto(host, target, { tier: options.tier });
    name = plugin.name;
    await plugin.close();
  } catch (error) {
    if (error instanceof IntegrityError) {
      const status = error.missing ? "missing" : "changed";
      return { dir: target.shown, name: error.plugin ?? null, status, changes: error.changes };
    }
    // A bad lock file or command line is the whole command's problem, not this plugin's.
    if (error instanceof LockFileError || error instanceof UsageError) throw error;
    if (!(error instanceof Error)) throw error;
    return {
      dir: target.shown,
      name: error instanceof PluginError ? error.plugin ?? null : null,
      status: "failed",
      changes: [],
      error: reasonOf(error),
    };
  }
  if (options.check) return { dir: target.shown, name, status: "ok", changes: [] };
  const old = before?.plugins[name];
  const now = currentLock(options.path)?.plugins[name];
  if (old === undefined) return { dir: target.shown, name, status: "new", changes: [] };
  const changes = now === undefined ? [] : compareEntries(old, now);
  const moved = now !== undefined && now.dir !== old.dir;
  const status = changes.length > 0 || moved ? "updated" : "unchanged";
  return { dir: target.shown, name, status, changes };
}

const GOOD: ReadonlySet<Status> = new Set(["new", "updated", "unchanged", "ok"]);

function printOutcome(context: CliContext, outcome: Outcome): void {
  const { green, red, yellow, bold, dim } = context.output.paint;
  const colour = outcome.status === "updated" || outcome.status === "new"
    ? yellow
    : GOOD.has(outcome.status)
    ? green
    : red;
  const who = `${bold(outcome.name ?? outcome.dir)}${dim(` (${outcome.dir})`)}`;
  const detail = outcome.error ??
    (outcome.status === "missing" ? "the lock holds no entry for it" : undefined) ??
    outcome.changes.map(describeChange).join(", ");
  context.output.line(`${colour(outcome.status.padEnd(9))} ${who}${detail ? `: ${detail}` : ""}`);
}

/** Runs `sandplug lock`. */
export async function runLock(parsed: Parsed, context: CliContext): Promise<ExitCode> {
  const check = parsed.values.check === true;
  const path = resolve(stringOption(parsed, "lock") ?? "sandplug.lock");
  const tier = tierOption(parsed);
  const policyFile = stringOption(parsed, "policy");
  const policy = policyFile === undefined ? undefined : await readPolicy(policyFile);
  const targets = await pluginTargets(parsed.positionals, "lock");
  const shownLock = stringOption(parsed, "lock") ?? "sandplug.lock";
  // Checking against a lock that is not there would report every plugin as missing from it.
  if (check && !exists(path)) {
    throw new UsageError(
      `Cannot check against the lock: ${shownLock} does not exist; write it first with ` +
        `sandplug lock <dir...>${
          stringOption(parsed, "lock") === undefined ? "" : ` --lock ${shownLock}`
        }, ` +
        "or name the lock file with --lock <path>",
    );
  }
  const before = currentLock(path);
  const host = commandHost(context, { tier, policy, lock: { path, update: !check } });
  const outcomes: Outcome[] = [];
  try {
    for (const [index, target] of targets.entries()) {
      const outcome = await context.progress.around(
        `${check ? "verifying" : "locking"} ${target.shown} (${index + 1}/${targets.length})`,
        () => lockOne(host, target, { check, path, tier }, before),
      );
      outcomes.push(outcome);
      if (!parsed.json) printOutcome(context, outcome);
    }
  } finally {
    await host.close();
  }
  const bad = outcomes.filter((outcome) => !GOOD.has(outcome.status));
  const plugins = (n: number) => `${n} plugin${n === 1 ? "" : "s"}`;
  const written = outcomes.some((outcome) =>
    outcome.status === "new" || outcome.status === "updated"
  );
  if (parsed.json) {
    context.output.document({ ok: bad.length === 0, lock: shownLock, check, plugins: outcomes });
  } else if (bad.length > 0) {
    context.output.line(context.output.paint.red(
      `${bad.length} of ${plugins(outcomes.length)} ` +
        (check
          ? `differ from ${shownLock} or failed; if the changes are intended, run sandplug lock without --check`
          : `failed to load; ${shownLock} holds the others`),
    ));
  } else {
    context.output.line(
      check
        ? `${plugins(outcomes.length)} match ${shownLock}`
        : written
        ? `wrote ${shownLock} (${plugins(outcomes.length)})`
        : `${shownLock} is up to date (${plugins(outcomes.length)})`,
    );
  }
  return bad.length === 0 ? EXIT_OK : EXIT_PROBLEMS;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
