/**
 * Links in a plugin folder that lead outside it, now or later (issue 9, items
 * 1 and 2). Deno checks the path as written and the OS follows links
 * afterwards, so a link that dangles or stays inside when the host checks the
 * folder can reach anywhere once the plugin opens a folder or moves a file.
 * Each hostile case, on code that lets it load, has the plugin read the secret
 * outside its folder; the test then fails with what it read.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHost, type IsolationName, PluginCallError, PluginLoadError } from "@sandplug/host";
import { tempPlugin } from "../_helpers.ts";

const TIERS: IsolationName[] = ["worker", "process"];
const SECRET = "the secret outside every plugin";
/** The file descriptors a plugin tries: the one its open folder gets lies somewhere in here. */
const FDS = Array.from({ length: 253 }, (_, i) => i + 3);

interface LinkCase {
  name: string;
  /** Manifest fields over the default (empty grant). */
  manifest?: Record<string, unknown>;
  /** The plugin's mod.ts, exporting `attack()`. */
  code: string;
  /** Makes the links; `dir` is the plugin folder and `parent` the folder around it, both real. */
  arrange(dir: string, parent: string): Promise<void>;
  /** The load must fail with a PluginLoadError matching this; or else load, and attack() returns `returns`. */
  refused?: RegExp;
  returns?: unknown;
}

/** Plugin code that opens `folder` (so that it gets a descriptor K) and reads `r<K>` for every K. */
function readThroughOpenFolder(folder: string): string {
  return `
export async function attack() {
  const held = await Deno.open(new URL(${JSON.stringify(folder)}, import.meta.url));
  try {
    for (const k of ${JSON.stringify(FDS)}) {
      try {
        return await Deno.readTextFile(new URL("./r" + k, import.meta.url));
      } catch { /* not this descriptor */ }
    }
    return "nothing read";
  } finally {
    held.close();
  }
}`;
}

const DATA_GRANT = { permissions: { write: ["./data"] } };

const CASES: LinkCase[] = [
  {
    name:
      "/proc/self/fd/K links that dangle at load and lead outside once the plugin opens a folder",
    code: readThroughOpenFolder("./"),
    async arrange(dir, parent) {
      // Once fd K is the plugin folder, each ".." climbs one of its ancestors: up to "/".
      const up = "../".repeat(dir.split("/").length - 1);
      for (const k of FDS) {
        await Deno.symlink(
          `/proc/self/fd/${k}/${up}${parent.slice(1)}/secret.txt`,
          join(dir, `r${k}`),
        );
      }
    },
    refused: /symlink r\d+ → \/proc\/self\/fd\/\d+\/.*, outside the plugin folder; symlinks would/,
  },
  {
    name: "/proc/self/fd/K links that read as inside the folder but climb out of the link",
    code: readThroughOpenFolder("./s1/s2/s3/"),
    async arrange(dir, parent) {
      // Read as written, four ".." climb /proc/self/fd/K to "/" and the rest names dir/secret.txt.
      // When K is dir/s1/s2/s3 they climb to `parent` instead, where the test puts the secret.
      await Deno.mkdir(join(dir, "s1/s2/s3"), { recursive: true });
      await Deno.mkdir(join(parent, dir), { recursive: true });
      await Deno.writeTextFile(join(parent, dir, "secret.txt"), SECRET);
      for (const k of FDS) {
        await Deno.symlink(`/proc/self/fd/${k}/../../../..${dir}/secret.txt`, join(dir, `r${k}`));
      }
    },
    refused:
      /symlink r\d+ → .*, whose "\.\." climbs out of \/proc\/self\/fd\/\d+, which is not a plain folder/,
  },
  {
    name: "a link in the write grant that dangles until the plugin makes the folder it climbs from",
    manifest: DATA_GRANT,
    code: `
export async function attack() {
  await Deno.mkdir(new URL("./data/m", import.meta.url));
  return await Deno.readTextFile(new URL("./data/esc", import.meta.url));
}`,
    async arrange(dir) {
      await Deno.mkdir(join(dir, "data"));
      await Deno.symlink("m/../../../secret.txt", join(dir, "data/esc"));
    },
    refused: /symlink data\/esc where its write grant reaches \(data\)/,
  },
  {
    name: "a link in the write grant that stays inside until the plugin moves it",
    manifest: DATA_GRANT,
    code: `
export async function attack() {
  await Deno.rename(new URL("./data/a/esc", import.meta.url), new URL("./data/esc", import.meta.url));
  return await Deno.readTextFile(new URL("./data/esc", import.meta.url));
}`,
    async arrange(dir) {
      // From data/a, "../../secret.txt" is the decoy in the plugin folder; from data, the secret.
      await Deno.mkdir(join(dir, "data/a"), { recursive: true });
      await Deno.writeTextFile(join(dir, "secret.txt"), "a decoy inside the folder");
      await Deno.symlink("../../secret.txt", join(dir, "data/a/esc"));
    },
    refused: /symlink data\/a\/esc where its write grant reaches \(data\)/,
  },
  {
    name: "a link that dangles",
    code: `export const attack = () => "loaded";`,
    async arrange(dir) {
      await Deno.symlink("later.txt", join(dir, "soon"));
    },
    refused: /symlink soon → later\.txt, which reaches nothing now but may reach outside/,
  },
  {
    name: "a hard link to a file outside the folder",
    code: `export const attack = () => Deno.readTextFile(new URL("./notes.txt", import.meta.url));`,
    async arrange(dir, parent) {
      await Deno.link(join(parent, "secret.txt"), join(dir, "notes.txt"));
    },
    refused:
      /holds notes\.txt, a hard link to a file outside the plugin folder \(2 links, 1 inside\)/,
  },
  {
    name: "hard and symbolic links that stay inside the folder still load",
    code: `
export const attack = async () => [
  await Deno.readTextFile(new URL("./b.txt", import.meta.url)),
  await Deno.readTextFile(new URL("./lib/c.txt", import.meta.url)),
];`,
    async arrange(dir) {
      await Deno.writeTextFile(join(dir, "a.txt"), "inside");
      await Deno.link(join(dir, "a.txt"), join(dir, "b.txt"));
      await Deno.mkdir(join(dir, "lib"));
      await Deno.symlink("../b.txt", join(dir, "lib/c.txt"));
    },
    returns: ["inside", "inside"],
  },
];

function describe(error: unknown): string {
  if (error instanceof PluginCallError) return `${error.remoteName}: ${error.remoteMessage}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

for (const tier of TIERS) {
  Deno.test(`host.load() refuses links that leave the plugin folder now or later (${tier} tier)`, async (t) => {
    for (const test of CASES) {
      await t.step(test.name, async () => {
        await using fixture = await tempPlugin({ name: "linker", ...test.manifest }, test.code);
        const dir = await Deno.realPath(fixture.dir);
        const parent = await Deno.realPath(fixture.parent);
        const outside = join(parent, "secret.txt");
        await Deno.writeTextFile(outside, SECRET);
        await test.arrange(dir, parent);
        await using host = createHost({ isolation: tier, allow: { write: true } });

        let plugin;
        try {
          plugin = await host.load(dir);
        } catch (error) {
          if (test.refused === undefined) throw error;
          assert.ok(error instanceof PluginLoadError, describe(error));
          assert.match(error.message, test.refused);
          return;
        }
        const result = await plugin.call("attack").catch(describe);
        if (test.refused !== undefined) {
          assert.fail(`the plugin loaded, and attack() returned ${JSON.stringify(result)}`);
        }
        assert.deepEqual(result, test.returns);
        assert.equal(await Deno.readTextFile(outside), SECRET);
      });
    }
  });
}
