import { fileURLToPath } from "node:url";

/** The path of a `file:` URL, or `"/"` for any other URL (a remote main module has no folder). */
export function fromFileUrl(url: string): string {
  return url.startsWith("file:") ? fileURLToPath(url) : "/";
}
