/**
 * Run once per host as its own `deno run` child (never imported): makes the
 * SQLite caches of the process tier's shared `DENO_DIR` read-only once the
 * runtime's own modules are in them. Deno keeps the module analysis and the
 * V8 code cache there keyed by specifier, so without this every `data:`
 * module, and every new path to a plugin file, that plugin code imports at run
 * time adds rows that stay. Deno opens these files itself, as the host's
 * user, so file modes cannot stop it; a trigger that ignores every insert
 * and update is kept in the file, and Deno's writes then succeed as no-ops.
 *
 * Every table of every SQLite file in the folder is guarded, whatever Deno
 * names them. Prints, as JSON on stdout, the folder's real path (which the
 * host may be unable to ask for without a prompt) and the guarded
 * `file:table` pairs: `{ "real": "…", "guarded": ["…"] }`.
 *
 * Usage: `deno run --allow-read=<dir> --allow-write=<dir> _cache_guard.ts <dir>`
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";

const SQLITE_MAGIC = "SQLite format 3\0";

function isSqlite(path: string): boolean {
  const file = Deno.openSync(path, { read: true });
  try {
    const head = new Uint8Array(SQLITE_MAGIC.length);
    const read = file.readSync(head) ?? 0;
    return new TextDecoder().decode(head.subarray(0, read)) === SQLITE_MAGIC;
  } finally {
    file.close();
  }
}

function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function guard(path: string): string[] {
  const db = new DatabaseSync(path);
  try {
    // A Deno process still closing the file may hold its lock for a moment.
    db.exec("PRAGMA busy_timeout = 5000");
    const tables = db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    ).all() as { name: string }[];
    for (const { name } of tables) {
      for (const event of ["INSERT", "UPDATE"]) {
        const trigger = quoted(`sandplug_read_only_${event.toLowerCase()}_${name}`);
        db.exec(
          `CREATE TRIGGER IF NOT EXISTS ${trigger} BEFORE ${event} ON ${quoted(name)} ` +
            "BEGIN SELECT RAISE(IGNORE); END",
        );
      }
    }
    return tables.map(({ name }) => name);
  } finally {
    db.close();
  }
}

const dir = Deno.args[0];
if (dir === undefined) {
  throw new TypeError("Cannot guard caches: no folder given; pass the DENO_DIR");
}
// Listed first: closing a database removes its -wal and -shm files from the folder.
const files = [...Deno.readDirSync(dir)]
  .filter((entry) => entry.isFile && !/-(wal|shm|journal)$/.test(entry.name))
  .map((entry) => entry.name);
const guarded: string[] = [];
for (const name of files) {
  const path = `${dir}/${name}`;
  if (!isSqlite(path)) continue;
  for (const table of guard(path)) guarded.push(`${name}:${table}`);
}
console.log(JSON.stringify({ real: Deno.realPathSync(dir), guarded }));
