/**
 * Which changes on disk reload a plugin: the watcher's rules, apart from
 * the file system.
 *
 * @module
 */
import { basename, relative, sep } from "node:path";
import { isWithin } from "../permissions/permissions.ts";

/**
 * Editors' own files, never a plugin's: vim's swap files and its write test
 * (`4913`), backups (`~`), Emacs' locks and autosaves, JetBrains' safe-write
 * copies. A vim swap file changes while one types, before any save.
 */
const EDITOR_FILE = /\.sw[a-p]$|\.swpx$|~$|^\.#|^#.*#$|^4913$|___jb_(?:tmp|old)___$/;

/**
 * Whether a change at `path` reloads a plugin: it lies in the plugin's
 * folder, is no editor's file, has no hidden part below that folder (`.git/`,
 * `.env`, a vim swap file), and is outside the folders the plugin may write,
 * whose changes are its own data: reloading on them could loop forever.
 *
 * @param plugin The plugin's real folder and its grant's write folders.
 * @param path The changed path, real.
 */
export function reloadsOn(
  plugin: { readonly dir: string; readonly permissions?: { readonly write: readonly string[] } },
  path: string,
): boolean {
  if (!isWithin(path, plugin.dir)) return false;
  if (EDITOR_FILE.test(basename(path))) return false;
  const inside = relative(plugin.dir, path);
  if (inside !== "" && inside.split(sep).some((part) => part.startsWith("."))) return false;
  return !(plugin.permissions?.write ?? []).some((folder) => isWithin(path, folder));
}
