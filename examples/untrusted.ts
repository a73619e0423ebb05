/**
 * Loading an untrusted plugin: plugins/hostile tries to read secrets, phone
 * home, dump the environment, run a shell, plant files, kill the host, talk to
 * other plugins and exit abruptly. With the default configuration each attempt
 * fails, and the host carries on.
 *
 * Run: deno run --allow-read=. --allow-run --allow-write=/tmp examples/untrusted.ts
 */
import { createHost, PluginCallError, PluginCrashedError } from "@sandplug/host";

await using host = createHost(); // grants nothing beyond reading the plugin's own folder
host.addEventListener("crash", (event) => {
  const { plugin, error } = (event as CustomEvent).detail;
  console.log(`  host saw plugin "${plugin}" crash: ${error.reason}`);
});

const folder = new URL("../plugins/hostile", import.meta.url);
let plugin = await host.load(folder);
console.log(
  `loaded "${plugin.name}" in the ${plugin.isolation} tier; grant: read ${
    plugin.permissions.read[0]
  }\n`,
);

for (const { name, kind } of plugin.symbols) {
  if (kind !== "function") continue;
  if (plugin.closed) plugin = await host.load(folder); // a crash ends only that plugin: load it again
  try {
    const value = await plugin.call(name, [], { timeoutMs: 5_000 });
    // Outside its grant, an environment variable reads as unset: the plugin gets an empty environment.
    const shown = JSON.stringify(value) ?? "undefined";
    console.log(
      shown === "{}" || shown === "undefined"
        ? `blocked ${name}: it sees ${shown}, nothing outside its grant`
        : `NOT BLOCKED ${name}: ${shown}`,
    );
  } catch (error) {
    if (error instanceof PluginCallError) {
      console.log(`blocked ${name}: ${error.remoteName}: ${error.remoteMessage}`);
    } else if (error instanceof PluginCrashedError) {
      console.log(`contained ${name}: the plugin crashed (${error.reason}); the host did not`);
    } else {
      throw error;
    }
  }
}
console.log("\nthe host is alive and done");
