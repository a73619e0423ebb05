/**
 * Go's `plugin` package example, in sandplug:
 *
 * ```go
 * p, err := plugin.Open("plugin_name.so")
 * v, err := p.Lookup("PluginInputNumber")
 * f, err := p.Lookup("KnownPluginFunction")
 * *v.(*int) = 7
 * f.(func())() // prints "My custom code prints PluginInputNumber: 7"
 * ```
 *
 * Run: DENO_NO_PROMPT=1 deno run --allow-read=. --allow-env=DENO_NO_PROMPT examples/go_plugin.ts
 */
import { createHost, type Variable } from "@sandplug/host";

// Go's plugins run inside the host's process; the worker tier is the analogue: fastest, for trusted
// code. (The default tier, "process", runs each plugin in a child process of its own.) And, as in Go,
// what the plugin prints goes to the host's stdout as it is, instead of stderr tagged "[myplugin]".
const host = createHost({
  allow: { read: ["./plugins"] },
  isolation: "worker",
  log: (entry) => console.log(entry.message),
});
const p = await host.load(new URL("../plugins/myplugin", import.meta.url));
const input = p.lookup<Variable<number>>("PluginInputNumber");
const knownPluginFunction = p.lookup<() => void>("KnownPluginFunction");
await input.set(7);
await knownPluginFunction(); // prints "My custom code prints PluginInputNumber: 7"
await p.close();
await host.close();
