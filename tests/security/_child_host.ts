/**
 * Runs a host script in a child `deno run`, for attacks that would take the
 * test process down with them, and for terminal behaviour.
 */
import { join } from "node:path";
import { fromFileUrl } from "../../src/load/file_url.ts";

/** The repository root, whose deno.json maps `@sandplug/host`. */
export const ROOT = fromFileUrl(new URL("../..", import.meta.url).href);

/** What the child host did. */
export interface ChildResult {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/**
 * Writes `script` to a temp file and runs it with `deno run -A` (plus
 * `flags`) from the repository root, killing it after `timeoutMs`. `env`
 * adds to (or overrides) the variables the child inherits, e.g. a
 * `DENO_DIR` of its own.
 */
export async function runChildHost(
  script: string,
  flags: string[] = [],
  timeoutMs = 20_000,
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const dir = await Deno.makeTempDir({ prefix: "sandplug-child-" });
  try {
    const file = join(dir, "host.ts");
    await Deno.writeTextFile(file, script);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", join(ROOT, "deno.json"), ...flags, file],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...env },
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const output = await child.output();
    clearTimeout(timer);
    const decoder = new TextDecoder();
    return {
      code: output.code,
      signal: output.signal,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A host script that loads one plugin from `code` in `tier` and calls its `attack()`. */
export function attackScript(code: string, tier: string, after = "", callTimeoutMs = 2000): string {
  return `
import { createHost } from "@sandplug/host";
import { tempPlugin } from ${JSON.stringify(join(ROOT, "tests/_helpers.ts"))};
await using fixture = await tempPlugin({ name: "hostile" }, ${JSON.stringify(code)});
await using host = createHost({ isolation: ${JSON.stringify(tier)} });
const plugin = await host.load(fixture.dir);
console.log("loaded");
try {
  console.log("attack returned", await plugin.call("attack", [], { timeoutMs: ${callTimeoutMs} }));
} catch (error) {
  console.log("attack failed", error.name, error.message);
}
${after}
console.log("host alive");
`;
}
