/**
 * Issue 14's figure: a hot reload (`p.reload()`, from the call until it
 * resolves, when new calls go to the new version) against a fresh load of
 * the same plugin (`host.load(dir)` to its first call), in the process and
 * worker tiers; and, as a diagnostic, how long the old version then takes to
 * be drained and closed with no call in flight.
 *
 * @module
 */
import { join } from "node:path";
import { createHost, type Host, type Plugin } from "@sandplug/host";
import type { Row, Section } from "./_report.ts";
import { guarded, type Results } from "./_results.ts";
import type { SuiteConfig } from "./_suites.ts";

/** The tiers measured: an inline reload imports into the host's own isolate, a tier apart. */
export const RELOAD_TIERS = ["process", "worker"] as const;

/** The pause after each sample: the instance just closed is torn down in the background. */
const SETTLE_MS = 150;

const started = performance.now();

function log(text: string): void {
  console.error(`bench: ${Math.round((performance.now() - started) / 1000)} s: reload: ${text}`);
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`Cannot benchmark: ${what}`);
}

/**
 * Writes generation `n` of the benchmark plugin into `dir`: every run edits
 * its code, as a reload follows an edit, so that neither subject finds its
 * module graph in the import check's cache.
 */
async function write(dir: string, n: number): Promise<void> {
  const manifest = { name: "bench-reload", version: `1.0.${n}`, entry: "./mod.ts" };
  await Deno.writeTextFile(join(dir, "plugin.json"), JSON.stringify(manifest));
  await Deno.writeTextFile(
    join(dir, "mod.ts"),
    `export const generation = ${n};
export function add(a: number, b: number): number { return a + b; }
export function which(): number { return generation; }
`,
  );
}

/** `host.load(dir)` plus its first call, in ms; the plugin is closed after the clock stops. */
async function freshLoad(host: Host, dir: string, n: number): Promise<number> {
  const start = performance.now();
  const plugin = await host.load(dir);
  const sum = await plugin.call("add", [1, 2]);
  const elapsed = performance.now() - start;
  const which = await plugin.call("which");
  await plugin.close();
  check(sum === 3 && which === n, `the fresh load answered ${sum} and generation ${which}`);
  return elapsed;
}

/** `p.reload()` until it resolves, and then until `drained` settles, in ms. */
async function reload(plugin: Plugin, n: number): Promise<{ swap: number; drain: number }> {
  const start = performance.now();
  const { to, drained } = await plugin.reload();
  const swapped = performance.now();
  await drained;
  const end = performance.now();
  const which = await plugin.call("which");
  check(to === `1.0.${n}` && which === n, `the reload went to ${to}, generation ${which}`);
  return { swap: swapped - start, drain: end - swapped };
}

/** The keys of one tier's figures. */
function keys(id: string): string[] {
  return [`reload:${id}`, `reload-drain:${id}`, `reload-fresh:${id}`];
}

/**
 * Times both subjects of each tier `config.heavyRuns` times, interleaved run
 * by run, after one untimed load and reload per tier. Each run writes a new
 * generation of the plugin into both folders first.
 */
export async function reloadSuite(results: Results, config: SuiteConfig): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "sandplug-bench-reload-" });
  try {
    await timeBoth(results, config, root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function timeBoth(results: Results, config: SuiteConfig, root: string): Promise<void> {
  const tiers: { id: string; host: Host; plugin: Plugin; reloaded: string; fresh: string }[] = [];
  for (const isolation of RELOAD_TIERS) {
    const id = `sp-${isolation}`;
    await guarded(results, keys(id), async () => {
      const reloaded = await Deno.makeTempDir({ dir: root });
      const fresh = await Deno.makeTempDir({ dir: root });
      await Promise.all([write(reloaded, 0), write(fresh, 0)]);
      const host = createHost({ isolation, validate: false });
      const plugin = await host.load(reloaded);
      tiers.push({ id, host, plugin, reloaded, fresh });
      await freshLoad(host, fresh, 0);
      await reload(plugin, 0);
    });
  }
  log(`reload against fresh load, ${config.heavyRuns} runs`);
  for (let run = 1; run <= config.heavyRuns; run++) {
    for (const { id, host, plugin, reloaded, fresh } of tiers) {
      await Promise.all([write(reloaded, run), write(fresh, run)]);
      await guarded(results, [`reload:${id}`, `reload-drain:${id}`], async () => {
        const { swap, drain } = await reload(plugin, run);
        results.add(`reload:${id}`, swap);
        results.add(`reload-drain:${id}`, drain);
      });
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      await guarded(results, [`reload-fresh:${id}`], async () => {
        results.add(`reload-fresh:${id}`, await freshLoad(host, fresh, run));
      });
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    }
  }
  for (const { host } of tiers) await guarded(results, ["close:reload"], () => host.close());
}

function rows(tier: string): Row[] {
  const id = `sp-${tier}`;
  const baseline = { baseline: `reload-fresh:${id}`, baselineLabel: "fresh load" };
  return [
    { subject: `sandplug ${tier} tier: fresh load to first call`, key: `reload-fresh:${id}` },
    { subject: `sandplug ${tier} tier: hot reload, to the swap`, key: `reload:${id}`, ...baseline },
    {
      subject: `sandplug ${tier} tier: then the old version drained and closed, no call in ` +
        "flight (diagnostic)",
      key: `reload-drain:${id}`,
    },
  ];
}

/** The figure's table; issue 14 sets no target for it. */
export function reloadSection(): Section {
  return {
    title: "Hot reload: swap against a fresh load",
    unit: "ms",
    intro: "A small plugin with no imports, whose code is edited before every run, as a reload " +
      "follows an edit (so neither subject finds its module graph in the import check's " +
      "cache): ms, lower is better. *Hot reload*: `p.reload()` on a loaded plugin, from the " +
      "call until it resolves, when new calls go to the new version (every load-time check, " +
      "the new isolate started beside the old one, the swap). *Fresh load*: `host.load(dir)` " +
      "of a second copy of the same plugin on the same host, plus its first call. The " +
      "*drained* rows time the rest of the reload with no call in flight: from the swap until " +
      "`drained` settles, the old version closed. Issue 14 sets no target.",
    rows: RELOAD_TIERS.flatMap(rows),
  };
}
