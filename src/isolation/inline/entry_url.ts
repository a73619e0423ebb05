/**
 * Which URL the inline tier imports a plugin's entry module by. Deno keeps
 * every module it imported, under the URL it imported it by, for as long as
 * the process lives, and answers a later import of that URL from memory: a
 * plugin changed on disk would run its old code. A query string on the entry
 * does not help, as the modules it imports keep their URLs. So a changed
 * plugin is imported by another spelling of its folder's URL, with some
 * letters percent-encoded (`/plugins/%67reeter/mod.ts`): Deno reads the same
 * file, every relative import resolves against the new spelling and so is
 * read afresh too, `..` still climbs the same folders, and
 * `import.meta.filename` still gives the real path (`import.meta.url` shows
 * the spelling).
 *
 * @module
 */
import { PluginLoadError } from "../../errors/errors.ts";
import type { IsolateSpec } from "../types.ts";

/**
 * The most versions of one plugin a process imports: Deno never unloads a
 * module, so each version stays in memory until the host exits.
 */
const MAX_VERSIONS = 1024;

const AFRESH = 'restart the host, or load it with isolation: "worker" or "process", ' +
  "which import it afresh on every load";

/** The version of a plugin imported last: the digest of its code, its URL, and how many versions came before. */
interface Imported {
  readonly digest: string;
  readonly url: string;
  readonly versions: number;
}

/** Per entry module, by its real URL: the version this process imported last. */
const imported = new Map<string, Imported>();

/**
 * The URL to import `spec`'s entry module by: the same one as last time when
 * its code is unchanged (the module, and its state, are reused as before), or
 * one never used before when it changed.
 *
 * @throws {PluginLoadError} When the code changed but a new URL cannot make all of it fresh:
 * a module imports one of the plugin's own by an absolute path, or too many versions were imported.
 */
export function entryUrl(spec: IsolateSpec): string {
  const { entry, graph } = spec;
  if (graph === undefined) return entry; // not checked by the host: nothing to tell versions by
  const last = imported.get(entry);
  if (last === undefined) {
    imported.set(entry, { digest: graph.digest, url: entry, versions: 1 });
    return entry;
  }
  if (last.digest === graph.digest) return last.url;
  if (graph.absoluteImports) {
    throw new PluginLoadError(
      spec.plugin,
      "its code changed since this process imported it, and a module of it imports another of " +
        "its own by an absolute path or file: URL, whose URL stays the same, so Deno would run " +
        `that module's old code; import the plugin's own modules by relative paths, or ${AFRESH}`,
    );
  }
  const places = spellable(entry);
  const limit = Math.min(MAX_VERSIONS, 2 ** places.length);
  if (last.versions >= limit) {
    throw new PluginLoadError(
      spec.plugin,
      `its code changed again after ${last.versions} versions of it were imported into this ` +
        "process, and the inline tier keeps each in memory (Deno never unloads a module), " +
        `${limit} at most for this plugin (${MAX_VERSIONS}, or fewer when its folder's path has ` +
        `few letters to spell new URLs with); ${AFRESH}`,
    );
  }
  const url = spelling(entry, places, last.versions);
  imported.set(entry, { digest: graph.digest, url, versions: last.versions + 1 });
  return url;
}

/** Where a character of a `file:` URL's folder path sits: its segment, and its index there. */
interface Place {
  readonly segment: number;
  readonly char: number;
}

/**
 * The characters of a `file:` URL's folder path that can be spelled
 * percent-encoded, from the deepest folder up: ASCII letters and digits, but
 * for a Windows drive letter and those of existing escapes. None for
 * another scheme.
 */
function spellable(entry: string): Place[] {
  const url = new URL(entry);
  if (url.protocol !== "file:") return [];
  const segments = url.pathname.split("/");
  const places: Place[] = [];
  for (let segment = segments.length - 2; segment >= 0; segment--) {
    const text = segments[segment];
    if (/^[A-Za-z]:$/.test(text)) continue;
    for (let char = 0; char < text.length; char++) {
      if (text[char] === "%") char += 2;
      else if (/^[A-Za-z0-9]$/.test(text[char])) places.push({ segment, char });
    }
  }
  return places;
}

/** The `n`th spelling of a `file:` URL (the 0th is the URL itself): bit k of `n` encodes `places[k]`. */
function spelling(entry: string, places: readonly Place[], n: number): string {
  const url = new URL(entry);
  const segments = url.pathname.split("/").map((segment) => [...segment]);
  places.forEach(({ segment, char }, bit) => {
    if (bit < 31 && (n >> bit) & 1) {
      const code = segments[segment][char].charCodeAt(0);
      segments[segment][char] = `%${code.toString(16).toUpperCase()}`;
    }
  });
  return `file://${url.host}${segments.map((chars) => chars.join("")).join("/")}`;
}
