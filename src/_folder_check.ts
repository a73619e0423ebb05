import { join, relative } from "node:path";
import { PluginLoadError } from "./errors.ts";
import { isWithin } from "./permissions.ts";

const MAX_ENTRIES = 10_000;

/**
 * Refuses a plugin folder that holds a symlink pointing outside it: Deno
 * checks permissions on the path as written, so such a link would widen the
 * plugin's read grant to wherever it points. Refuses a FIFO, socket or device
 * in it too: reading one as a module blocks the reader, the host's import
 * check and Deno's module loader alike. It walks the folder on every
 * load, never from memory: what it checks is the folder's shape, which only a
 * walk can tell. The walk is synchronous because a folder listing is quick,
 * while an asynchronous one costs a thread-pool round trip per folder and link.
 *
 * @throws {PluginLoadError} Naming the link and its target, or the special file.
 */
export function checkNoEscapingLinks(plugin: string, dir: string): void {
  let count = 0;
  const walk = (folder: string): void => {
    for (const entry of Deno.readDirSync(folder)) {
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
          target = Deno.realPathSync(path);
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
        walk(path);
      } else if (!entry.isFile) {
        throw new PluginLoadError(
          plugin,
          `its folder holds ${
            relative(dir, path)
          }, which is not a regular file (a FIFO, socket or device); ` +
            "reading it would block, so remove it from the plugin folder",
        );
      }
    }
  };
  walk(dir);
}
