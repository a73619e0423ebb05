// Renders Markdown with a real npm package, and asks for no permission: the host
// installs the package it declares in plugin.json ("imports") before the plugin
// runs, and the plugin reads it from there. The code writes the declared
// spelling, so that every tier and `deno check` agree on the version.
import { marked } from "npm:marked@18";
import { variable } from "jsr:@sandplug/host@^0.1/plugin";

/** How {@linkcode render} renders; the host may change it with `lookup("options").set()`. */
export const options = variable({
  /** GitHub Flavored Markdown: tables, strikethrough, autolinks. */
  gfm: true,
  /** With `gfm`: turn single line breaks into `<br>`. */
  breaks: false,
});

/**
 * Renders Markdown to HTML. The HTML is not sanitised: raw HTML in the input
 * passes through, so sanitise it before putting untrusted input in a page.
 *
 * @param markdown The Markdown text.
 * @returns The HTML.
 */
export function render(markdown: string): string {
  // A fresh options object per call: marked's module-wide defaults stay untouched.
  return marked.parse(markdown, { ...options.value, async: false });
}
