/**
 * Every plugin worker loads and compiles the worker runtime's module graph
 * before its first message, so whatever that graph pulls in is paid on every
 * load. These tests pin that it stays the runtime alone: no packages and no
 * host-side modules.
 */
import assert from "node:assert/strict";

const WORKER_MAIN = new URL("../src/runtime/worker_main.ts", import.meta.url);
const SRC = new URL("../src/", import.meta.url).href;

/** Host-side modules: each is large or pulls in zod or semver, and none is needed next to plugin code. */
const HOST_ONLY = [
  "host.ts",
  "plugin.ts",
  "manifest.ts",
  "permissions.ts",
  "contract.ts",
  "version.ts",
  "negotiate.ts",
  "errors.ts",
  "call_errors.ts",
  "_connection.ts",
  "_supervisor.ts",
  "_module_graph.ts",
  "_import_scanner.ts",
  "_check_cache.ts",
  "isolation/",
];

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string } }[];
}

/** The modules the worker runtime loads at run time: its graph without type-only imports. */
async function runtimeGraph(): Promise<string[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", WORKER_MAIN.href],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const info = JSON.parse(new TextDecoder().decode(output.stdout)) as { modules: InfoModule[] };
  const modules = new Map(info.modules.map((module) => [module.specifier, module]));
  const seen = new Set<string>();
  const queue = [WORKER_MAIN.href];
  while (queue.length > 0) {
    const specifier = queue.shift()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dependency of modules.get(specifier)?.dependencies ?? []) {
      if (dependency.code !== undefined) queue.push(dependency.code.specifier);
    }
  }
  return [...seen];
}

Deno.test("the worker runtime loads no npm, jsr or remote module", async () => {
  const foreign = (await runtimeGraph()).filter((specifier) =>
    !specifier.startsWith("file:") && !specifier.startsWith("node:")
  );
  assert.deepEqual(foreign, []);
});

Deno.test("the worker runtime loads no host-side module", async () => {
  const hostSide = (await runtimeGraph())
    .filter((specifier) => specifier.startsWith(SRC))
    .map((specifier) => specifier.slice(SRC.length))
    .filter((path) =>
      HOST_ONLY.some((item) => item.endsWith("/") ? path.startsWith(item) : path === item)
    );
  assert.deepEqual(hostSide, []);
});
