/**
 * Run by the host as `deno run -A package_prep.ts <folder>`, with the
 * package specifiers as JSON on stdin: installs them into `<folder>` as a
 * `node_modules` folder with a lock file, and prints what they resolved to.
 * It is the host's own trusted code, in a process of its own because the
 * host need not be able to read what it installs (it may hold only write
 * access to the temp folder).
 *
 * `deno install` fetches from the npm registry only what the user's Deno
 * cache does not hold yet, and never runs a package's install scripts (no
 * `--allow-scripts`). The child of a plugin then runs with this folder's
 * `deno.json`: its frozen lock and cache-only mode let it load exactly the
 * packages resolved here.
 *
 * Output, on success: the lock's `specifiers`, each one asked for with the
 * version it resolved to, and the integrity of every package installed:
 * `{ "specifiers": { "npm:marked@15": "15.0.12" },
 *    "integrity": { "npm:marked@15.0.12": "sha512-…" } }`.
 *
 * @module
 */

const [folder] = Deno.args;
const specifiers: unknown = JSON.parse(await new Response(Deno.stdin.readable).text());
if (
  folder === undefined || !Array.isArray(specifiers) ||
  !specifiers.every((item) => typeof item === "string")
) {
  console.error("usage: package_prep.ts <folder>, with a JSON array of specifiers on stdin");
  Deno.exit(2);
}

Deno.mkdirSync(folder, { recursive: true });
// One import per specifier, each a JSON string literal: a specifier cannot break out of it.
const entry = specifiers.map((specifier) => `import ${JSON.stringify(specifier)};\n`).join("");
Deno.writeTextFileSync(`${folder}/resolve.ts`, entry);
Deno.writeTextFileSync(
  `${folder}/deno.json`,
  JSON.stringify({ nodeModulesDir: "auto", lock: { path: "./deno.lock", frozen: true } }),
);
const install = await new Deno.Command(Deno.execPath(), {
  args: [
    "install",
    `--config=${folder}/deno.json`,
    "--frozen=false",
    "--quiet",
    "--entrypoint",
    `${folder}/resolve.ts`,
  ],
  cwd: folder,
  env: { NO_COLOR: "1" },
  stdin: "null",
  stdout: "inherit",
  stderr: "inherit",
}).output();
if (!install.success) Deno.exit(1);

const lock = JSON.parse(Deno.readTextFileSync(`${folder}/deno.lock`));
// Every package installed, the declared ones and what they depend on, with the registry's integrity.
const integrity: Record<string, string> = {};
for (const scheme of ["npm", "jsr"]) {
  for (const [key, entry] of Object.entries(lock[scheme] ?? {})) {
    const value = (entry as { integrity?: unknown }).integrity;
    if (typeof value === "string") integrity[`${scheme}:${key}`] = value;
  }
}
console.log(JSON.stringify({ specifiers: lock.specifiers ?? {}, integrity }));
