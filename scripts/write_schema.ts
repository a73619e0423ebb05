/**
 * Writes plugin.schema.json from the manifest's zod schema, or with --check
 * fails when the shipped file is out of date.
 *
 * Run: deno task schema
 */
import { manifestJsonSchema } from "../src/manifest/manifest.ts";

const file = new URL("../plugin.schema.json", import.meta.url);
const text = JSON.stringify(manifestJsonSchema(), null, 2) + "\n";
if (Deno.args.includes("--check")) {
  const current = await Deno.readTextFile(file).catch(() => "");
  if (current !== text) {
    console.error("plugin.schema.json is out of date: run `deno task schema`");
    Deno.exit(1);
  }
} else {
  await Deno.writeTextFile(file, text);
}
