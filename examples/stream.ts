/**
 * Streams out of a plugin, in sandplug's default (process) tier: plugins/records
 * parses a large NDJSON access log it was granted and yields its records one
 * by one; this host prints the first five and stops. Three things to see:
 *
 * - **A grant.** The log lies outside the plugin's folder, in
 *   /tmp/sandplug-records: its plugin.json asks to read that folder, and this
 *   host's policy allows it (`allow.read`). No other permission.
 * - **Backpressure.** The plugin's generator runs at most a window of items
 *   ahead of this reader, so it parses a handful of records and reads a few
 *   chunks of the file, however large the file is.
 * - **Cancellation.** `break` returns the plugin's generator: its `finally`
 *   closes the file before the loop is left.
 *
 * The first run writes the log (about 40 MiB); later runs reuse it.
 *
 * Run: deno run --allow-read=.,/tmp/sandplug-records --allow-run --allow-write=/tmp examples/stream.ts
 */
import { createHost, type Variable } from "@sandplug/host";
import type { AccessRecord, RecordStats } from "../plugins/records/mod.ts";

/** plugins/records/plugin.json grants this folder. */
const DATA_DIR = "/tmp/sandplug-records";
const FILE = `${DATA_DIR}/records.ndjson`;
const RECORDS = 400_000;
const FIRST = 5;
const WINDOW = 16;

/** Writes the log once, to a private name first: a run stopped halfway, or one beside it, leaves no half a log. */
async function ensureLog(): Promise<void> {
  try {
    await Deno.stat(FILE);
    return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  console.log(`writing ${FILE} (${RECORDS.toLocaleString("en")} records, once)`);
  await Deno.mkdir(DATA_DIR, { recursive: true });
  const partial = `${FILE}.${Deno.pid}.partial`;
  const file = await Deno.open(partial, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  const encoder = new TextEncoder();
  const methods = ["GET", "GET", "GET", "POST", "PUT", "DELETE"];
  const statuses = [200, 200, 200, 200, 201, 204, 304, 404, 500];
  // A fixed seed: every run's log, and so its first records, are the same.
  let seed = 12;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n); // the high bits: an LCG's low bits barely vary
  };
  const start = Date.UTC(2025, 0, 1);
  for (let id = 1; id <= RECORDS; id += 10_000) {
    let chunk = "";
    for (let i = id; i < id + 10_000 && i <= RECORDS; i++) {
      chunk += JSON.stringify({
        id: i,
        time: new Date(start + (i - 1) * 250).toISOString(),
        method: methods[random(methods.length)],
        path: `/api/orders/${random(100_000)}`,
        status: statuses[random(statuses.length)],
        ms: 1 + random(400),
      }) + "\n";
    }
    await writer.write(encoder.encode(chunk));
  }
  await writer.close();
  await Deno.rename(partial, FILE);
}

await ensureLog();
await using host = createHost({ allow: { read: [DATA_DIR] } });
const p = await host.load(new URL("../plugins/records", import.meta.url));
console.log(`loaded "${p.name}" in the ${p.isolation} tier`);
// read[0] is the plugin's own folder, always readable; the rest is what it was granted.
console.log(`granted read: ${JSON.stringify(p.permissions.read.slice(1))}`);
const size = (await Deno.stat(FILE)).size;
console.log(`streaming ${FILE} (${mib(size)}), window ${WINDOW}\n`);

let seen = 0;
for await (const r of p.stream<AccessRecord>("records", [FILE], { window: WINDOW })) {
  console.log(
    `#${r.id} ${r.time} ${r.method.padEnd(6)} ${r.path.padEnd(18)} ${r.status} ${r.ms} ms`,
  );
  if (++seen === FIRST) break; // returns the plugin's generator: its finally runs before we go on
}

const stats = await p.lookup<Variable<RecordStats>>("stats").get();
console.log(
  `\nstopped after ${seen}: the plugin's finally ran (files opened ${stats.opened}, closed ${stats.closed})`,
);
console.log(
  `it parsed ${stats.parsed} records (${seen} read + a window of ${WINDOW} at most) ` +
    `and read ${mib(stats.bytesRead)} of ${mib(size)}`,
);

function mib(bytes: number): string {
  return bytes < 2 ** 20
    ? `${Math.round(bytes / 1024)} KiB`
    : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
