import { basename, dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ManifestError } from "../errors/errors.ts";
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
 * @throws {TypeError} When the path is not a non-empty string or URL.
 * @throws {ManifestError} When the folder, plugin.json or entry is missing, or the manifest is invalid.
 */
export function findPlugin(path: string | URL): PluginOnDisk {
  const located = locate(path);
  const dir = Deno.realPathSync(located.dir);
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
  return { file, dir: dirname(file), shown: relative(Deno.cwd(), file) || basename(file) };
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
