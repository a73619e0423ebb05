/**
 * Test helpers: throw-away plugin folders written from a manifest and code.
 *
 * @module
 */
import { join } from "node:path";
import type { PermissionGrant } from "@sandplug/host";

/** A plugin folder made for one test; removed by `Symbol.asyncDispose`. */
export interface TempPlugin extends AsyncDisposable {
  /** The plugin's folder, absolute. */
  dir: string;
  /** The folder that holds the plugin folder (for files "outside" it). */
  parent: string;
}

/** Default manifest fields for a test plugin. */
export const baseManifest = { name: "test-plugin", version: "1.0.0", entry: "mod.ts" };

/**
 * Writes a plugin folder in a fresh temp dir: `plugin.json` from `manifest`
 * (merged over {@linkcode baseManifest}; pass a string to write it verbatim)
 * and `mod.ts` from `code`, plus any `files` (relative path → content).
 */
export async function tempPlugin(
  manifest: Record<string, unknown> | string,
  code = "export const ok = true;\n",
  files: Record<string, string> = {},
): Promise<TempPlugin> {
  const parent = await Deno.makeTempDir({ prefix: "sandplug-test-" });
  const dir = join(parent, "plugin");
  await Deno.mkdir(dir);
  const text = typeof manifest === "string"
    ? manifest
    : JSON.stringify({ ...baseManifest, ...manifest }, null, 2);
  await Deno.writeTextFile(join(dir, "plugin.json"), text);
  await Deno.writeTextFile(join(dir, "mod.ts"), code);
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    await Deno.mkdir(join(full, ".."), { recursive: true });
    await Deno.writeTextFile(full, content);
  }
  return {
    dir,
    parent,
    async [Symbol.asyncDispose]() {
      await Deno.remove(parent, { recursive: true });
    },
  };
}

/** A grant of nothing but reading `dir` (what every plugin holds), plus `extra`. */
export function grantOf(dir: string, extra: Partial<PermissionGrant> = {}): PermissionGrant {
  return {
    read: [dir],
    write: [],
    net: [],
    env: [],
    run: [],
    ffi: [],
    sys: [],
    import: [],
    imports: [],
    host: [],
    ...extra,
  };
}

/** mulberry32: a small, seeded generator of numbers in [0, 1), for runs that can be replayed. */
export function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
