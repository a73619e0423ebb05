import { join, relative } from "node:path";
import { PluginLoadError } from "./errors.ts";
import { isWithin } from "./permissions.ts";

const MAX_ENTRIES = 10_000;

/**
 * Refuses a plugin folder that holds a symlink pointing outside it: Deno
 * checks permissions on the path as written, so such a link would widen the
 * plugin's read grant to wherever it points.
 *
 * @throws {PluginLoadError} Naming the link and its target.
 */
export async function checkNoEscapingLinks(plugin: string, dir: string): Promise<void> {
  let count = 0;
  const walk = async (folder: string): Promise<void> => {
    for await (const entry of Deno.readDir(folder)) {
      if (++count > MAX_ENTRIES) {
        throw new PluginLoadError(
          plugin,
          `its folder holds more than ${MAX_ENTRIES} entries; keep only the plugin's code and data in it`,
        );
      }
      const path = join(folder, entry.name);
      if (entry.isSymlink) {
        let target: string;
        try {
          target = await Deno.realPath(path);
        } catch {
          continue; // a dangling link reaches nothing
        }
        if (!isWithin(target, dir)) {
          throw new PluginLoadError(
            plugin,
            `its folder holds a symlink ${
              relative(dir, path)
            } → ${target}, outside the plugin folder; ` +
              "symlinks would widen its grant, so copy what it needs into the folder instead",
          );
        }
      } else if (entry.isDirectory) {
        await walk(path);
      }
    }
  };
  await walk(dir);
}
