/**
 * A plugin with a real npm dependency, in the default (process) tier:
 * plugins/markdown declares `"imports": ["npm:marked@18"]` in its plugin.json
 * and is granted no permission at all. The host's policy allows the package;
 * the host installs it (from the npm registry the first time, from Deno's
 * cache after) before the plugin's process starts, and the grant records the
 * exact version the plugin got.
 *
 * Run: deno run --allow-read=. --allow-run --allow-write=/tmp examples/markdown.ts
 */
import { createHost, type Variable } from "@sandplug/host";

await using host = createHost({ allow: { imports: ["npm:marked"] } });
const p = await host.load(new URL("../plugins/markdown", import.meta.url));
console.log(`loaded "${p.name}" in the ${p.isolation} tier`);
// The grant holds the exact version installed, and no permission beyond reading the plugin's folder.
console.log(`packages: ${JSON.stringify(p.permissions.imports)}\n`);

const render = p.lookup<(markdown: string) => string>("render");
const sample = [
  "# Release notes",
  "",
  "Plugins may now **import npm packages**, such as [marked](https://marked.js.org).",
  "",
  "- runs in the ~~worker~~ process tier",
  "- granted no permission",
].join("\n");
console.log(await render(sample));

// The plugin's exported options are a variable the host may set.
const options = p.lookup<Variable<{ gfm: boolean; breaks: boolean }>>("options");
await options.set({ gfm: true, breaks: true });
console.log(await render("One line\nand the next"));
