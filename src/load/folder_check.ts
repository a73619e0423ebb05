import { join, relative } from "node:path";
import { PluginLoadError } from "../errors/errors.ts";
import { checkSymlink, HardLinks, type LinkContext, writableFolders } from "./link_check.ts";

const MAX_ENTRIES = 10_000;

/**
 * Refuses a plugin folder that holds a link that leaves it, now or later:
 * Deno checks permissions on the path as written, so such a link would widen
 * the plugin's grant to wherever it leads. That covers a symlink that leaves
 * as written or as resolved, one that dangles (it may resolve later), one
 * inside a folder the plugin may write (it could move it), and a file
 * hard-linked from outside. Refuses a FIFO, socket or device in it too:
 * reading one as a module blocks the reader, the host's import check and
 * Deno's module loader alike. It walks the folder on every load, never from
 * memory: what it checks is the folder's shape, which only a walk can tell.
 * The walk is synchronous because a folder listing is quick, while an
 * asynchronous one costs a thread-pool round trip per folder and link.
 *
 * @param plugin The plugin's name, for errors.
 * @param dir The plugin folder, a real path.
 * @param write The folders its grant lets it write, absolute.
 * @throws {PluginLoadError} Naming the link and its target, or the special file.
 */
export function checkNoEscapingLinks(
  plugin: string,
  dir: string,
  write: readonly string[],
): void {
  const context: LinkContext = {
    plugin,
    dir,
    writable: writableFolders(write),
    realFolders: new Set(),
  };
  const hardLinks = new HardLinks();
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
        checkSymlink(context, path);
      } else if (entry.isDirectory) {
        walk(path);
      } else if (entry.isFile) {
        hardLinks.add(path);
      } else {
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
  hardLinks.check(plugin, dir);
}
