import { basename, dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ManifestError, PluginLoadError } from "../errors/errors.ts";
import { fromFileUrl } from "./file_url.ts";
import { type Manifest, parseManifest } from "../manifest/manifest.ts";
import { FileTooLargeError, formatBytes, readBounded } from "./bounded_read.ts";

/**
 * The most bytes of a plugin.json the host reads and parses, in its own
 * thread: a real manifest is a few hundred bytes, and a sparse file of
 * gigabytes costs a plugin nothing on disk.
 */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/** A plugin folder found on disk: its real folder, parsed manifest and entry URL. */
export interface PluginOnDisk {
  dir: string;
  manifest: Manifest;
  entry: string;
}

/**
 * Finds a plugin from its folder or the path of its plugin.json, reads and
 * parses the manifest, and checks that its entry module exists. The file
 * system calls are synchronous: each is a few microseconds on a local folder,
 * where an asynchronous one costs a thread-pool round trip (about 70 µs, and
 * far more with many loads in flight), which dominated the host's side of a load.
 *
 * Every path is checked against the host's read permission first: a read it
 * lacks would otherwise make Deno prompt on the host's terminal, or fail
 * with a bare `NotCapable`.
 *
 * @throws {TypeError} When the path is not a non-empty string or URL.
 * @throws {PluginLoadError} When the host may not read the plugin's folder; names the flag.
 * @throws {ManifestError} When the folder, plugin.json or entry is missing, or the manifest is invalid.
 */
export function findPlugin(path: string | URL): PluginOnDisk {
  const located = locate(path);
  const dir = Deno.realPathSync(located.dir);
  // A folder reached through a link is read at its real path from here on.
  if (dir !== located.dir) mustRead(dir, dir);
  const manifest = readManifest(located.file, located.shown);
  const entry = entryUrl(manifest, dir, located.shown);
  return { dir, manifest, entry };
}

function locate(path: string | URL): { file: string; dir: string; shown: string } {
  if (typeof path !== "string" && !(path instanceof URL)) {
    throw new TypeError(
      `Cannot load plugin: path must be a string or URL; current value is ${String(path)}`,
    );
  }
  if (path === "") {
    throw new TypeError("Cannot load plugin: path is empty; pass the plugin's folder");
  }
  const absolute = path instanceof URL ? fromFileUrl(path.href) : resolve(path);
  mustRead(absolute, absolute.endsWith(".json") ? dirname(absolute) : absolute);
  let file = absolute;
  try {
    if (Deno.statSync(absolute).isDirectory) file = join(absolute, "plugin.json");
  } catch (cause) {
    if (!(cause instanceof Deno.errors.NotFound)) throw cause;
    const shown = relative(Deno.cwd(), absolute) || ".";
    throw new ManifestError(shown, [{
      path: "",
      message: "does not exist; pass the plugin's folder or its plugin.json",
    }], { cause });
  }
  mustRead(dirname(file), dirname(file));
  return { file, dir: dirname(file), shown: relative(Deno.cwd(), file) || basename(file) };
}

/**
 * Refuses, before Deno is asked, a path the host may not read.
 *
 * @param path What is about to be read.
 * @param folder The plugin folder it belongs to, which the flag must grant.
 */
function mustRead(path: string, folder: string): void {
  let state: Deno.PermissionState;
  try {
    state = Deno.permissions.querySync({ name: "read", path }).state;
  } catch {
    state = "denied";
  }
  if (state === "granted") return;
  throw new PluginLoadError(
    relative(Deno.cwd(), folder) || folder,
    `the host may not read its folder: read permission for ${path} is "${state}"; ` +
      `run the host with --allow-read=${folder} (or a folder that holds it)`,
  );
}

function readManifest(file: string, shown: string): Manifest {
  let bytes: Uint8Array | undefined;
  try {
    // Only a regular file is read: a FIFO would block the host's thread on a synchronous read.
    bytes = readBounded(file, MAX_MANIFEST_BYTES);
  } catch (cause) {
    const reason = cause instanceof FileTooLargeError
      ? `${cause.grew ? "grew past" : "is"} ${formatBytes(cause.size)}, over the ${
        formatBytes(MAX_MANIFEST_BYTES)
      } a manifest may have; keep plugin.json to its fields and put data in other files`
      : cause instanceof Deno.errors.NotFound
      ? "does not exist; every plugin folder needs a plugin.json"
      : `cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`;
    throw new ManifestError(shown, [{ path: "", message: reason }], { cause });
  }
  if (bytes === undefined) {
    throw new ManifestError(shown, [{
      path: "",
      message: "is not a regular file; make plugin.json a file that holds the manifest",
    }]);
  }
  return parseManifest(new TextDecoder().decode(bytes), { file: shown });
}

function entryUrl(manifest: Manifest, dir: string, shown: string): string {
  const entry = resolve(dir, manifest.entry);
  try {
    if (!Deno.statSync(entry).isFile) throw new Deno.errors.NotFound();
  } catch (cause) {
    throw new ManifestError(shown, [{
      path: "entry",
      message: `${
        JSON.stringify(manifest.entry)
      } is not a file in ${dir}; point entry at the plugin's module`,
    }], { plugin: manifest.name, cause });
  }
  return pathToFileURL(entry).href;
}
