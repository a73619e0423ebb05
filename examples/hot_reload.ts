/**
 * Hot reload, in sandplug's default (process) tier: this host calls
 * plugins/polyglot every few milliseconds, without waiting for replies, while
 * it edits the plugin's files on disk twice (1.0.0 → 1.1.0 → 1.2.0, each
 * version greeting in another language) and calls `p.reload()` after each
 * edit. The new version loads beside the running one, with every check of a
 * load; new calls go to it once it is ready, and the old one finishes the
 * calls it has in flight before it is closed. The handle stays the same
 * object, and no call fails.
 *
 * A third edit asks for network access the running version was not granted.
 * The host's policy would allow it, but an upgrade may not widen a plugin's
 * permissions unless `onUpgrade` approves: that reload is refused with
 * `UpgradeRefusedError` and its permission diff, and 1.2.0 keeps serving.
 *
 * The example edits a copy of the plugin in /tmp/sandplug-hot-reload, never
 * plugins/polyglot itself.
 *
 * Run: deno run --allow-read=.,/tmp/sandplug-hot-reload --allow-run --allow-write=/tmp examples/hot_reload.ts
 */
import { createHost, type Plugin, UpgradeRefusedError } from "@sandplug/host";
import type { Greeting } from "../plugins/polyglot/mod.ts";

/** The copies' folder: the only place outside the repository the host reads. */
const COPIES = "/tmp/sandplug-hot-reload";
/** A call goes out this often, whether the previous ones were answered or not. */
const EVERY_MS = 2;
/** How long each version serves before the next edit. */
const SERVE_MS = 300;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Copies plugins/polyglot into a fresh folder of its own, so that runs side by side never meet. */
async function copyPlugin(): Promise<string> {
  await Deno.mkdir(COPIES, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: COPIES, prefix: "polyglot-" });
  for (const file of ["plugin.json", "mod.ts"]) {
    await Deno.copyFile(new URL(`../plugins/polyglot/${file}`, import.meta.url), `${dir}/${file}`);
  }
  return dir;
}

/** Edits the copy on disk into `version`, greeting with `greeting`, asking for `permissions`. */
async function edit(
  dir: string,
  version: string,
  greeting: string,
  permissions?: Record<string, string[]>,
): Promise<void> {
  const manifest = JSON.parse(await Deno.readTextFile(`${dir}/plugin.json`));
  await Deno.writeTextFile(
    `${dir}/plugin.json`,
    JSON.stringify({ ...manifest, version, permissions }, null, 2),
  );
  const source = await Deno.readTextFile(`${dir}/mod.ts`);
  await Deno.writeTextFile(
    `${dir}/mod.ts`,
    source.replace(/VERSION = "[^"]*"/, `VERSION = "${version}"`)
      .replace(/GREETING = "[^"]*"/, `GREETING = "${greeting}"`),
  );
}

/**
 * Calls `greet("Ada")` every EVERY_MS ms until stopped, and prints each
 * version the first time one of its replies comes back.
 */
function callInALoop(p: Plugin) {
  const greet = p.lookup<(name: string) => Greeting>("greet");
  const answeredBy: string[] = [];
  const printed = new Set([p.version]);
  const firstSeen = new Map<string, PromiseWithResolvers<void>>();
  const seen = (version: string) => {
    if (!firstSeen.has(version)) firstSeen.set(version, Promise.withResolvers<void>());
    return firstSeen.get(version)!;
  };
  let failed = 0;
  let stopped = false;
  const calls: Promise<void>[] = [];
  const loop = (async () => {
    while (!stopped) {
      const n = calls.length;
      calls.push(
        greet("Ada").then((reply) => {
          answeredBy[n] = reply.version;
          if (!printed.has(reply.version)) {
            printed.add(reply.version);
            console.log(`now serving ${reply.version} after ${n} calls: "${reply.text}"`);
          }
          seen(reply.version).resolve();
        }, (error) => {
          failed++;
          console.log(`call ${n} failed: ${error}`);
        }),
      );
      await delay(EVERY_MS);
    }
    await Promise.all(calls);
  })();
  return {
    /** Resolves once a reply of `version` came back. */
    serving: (version: string) => seen(version).promise,
    /** How many calls went out so far. */
    made: () => calls.length,
    async stop() {
      stopped = true;
      await loop;
      return { made: calls.length, answeredBy, failed };
    },
  };
}

async function main(dir: string): Promise<void> {
  // The policy allows the network access of the third edit: only the upgrade rule refuses it.
  await using host = createHost({ allow: { net: ["example.com:443"] } });
  const p = await host.load(dir);
  console.log(`loaded "${p.name}" ${p.version} in the ${p.isolation} tier`);
  console.log(`calling greet("Ada") every ${EVERY_MS} ms, without waiting for replies`);
  const caller = callInALoop(p);
  await delay(SERVE_MS);

  for (const [version, greeting] of [["1.1.0", "Bonjour"], ["1.2.0", "Hola"]]) {
    await edit(dir, version, greeting);
    const start = performance.now();
    const { from, to, diff, drained } = await p.reload();
    const ms = Math.round(performance.now() - start);
    const permissions = Object.keys(diff.kinds).length === 0 ? "unchanged" : "changed";
    console.log(`reloaded ${from} → ${to} in ${ms} ms, permissions ${permissions}`);
    await Promise.all([caller.serving(to), drained]);
    console.log(`${from} finished its calls in flight and was closed`);
    await delay(SERVE_MS);
  }

  await edit(dir, "1.3.0", "Ciao", { net: ["example.com:443"] });
  try {
    await p.reload();
    throw new Error("Cannot show a refused upgrade: 1.3.0 was taken");
  } catch (error) {
    if (!(error instanceof UpgradeRefusedError)) throw error;
    console.log(`refused ${error.from} → ${error.to}: ${error.name} (${error.reason}), diff:`);
    for (const [kind, change] of Object.entries(error.diff.kinds)) {
      const items = [...change.added.map((i) => `+${i}`), ...change.removed.map((i) => `-${i}`)];
      console.log(`  ${kind}: ${items.join(" ")}${change.widens ? " (widens)" : ""}`);
    }
  }
  const refusedAt = caller.made();
  await delay(SERVE_MS);

  const { made, answeredBy, failed } = await caller.stop();
  const since = made - refusedAt;
  const byOld = answeredBy.slice(refusedAt).filter((version) => version === p.version).length;
  console.log(`still serving ${p.version}: it answered ${byOld} of the ${since} calls since`);
  // Sparse where a call failed: forEach skips those.
  const counts = new Map<string, number>();
  answeredBy.forEach((version) => counts.set(version, (counts.get(version) ?? 0) + 1));
  console.log(
    `${made} calls: ` +
      [...counts].map(([version, n]) => `${version} answered ${n}`).join(", "),
  );
  console.log(`failed calls: ${failed}`);
}

const dir = await copyPlugin();
try {
  await main(dir);
} finally {
  await Deno.remove(dir, { recursive: true });
}
