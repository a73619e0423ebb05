// The package-using benchmark plugin: its first call runs code of a real npm package. The raw
// baseline (bench/fixtures/markdown_main.ts) imports this very module.
// A process-tier child does not use the host's import map, so the package is written out in full.
// deno-lint-ignore no-import-prefix
import { marked } from "npm:marked@15";

/** Renders Markdown to HTML, synchronously. */
export function render(markdown: string): string {
  return marked.parse(markdown, { async: false });
}
