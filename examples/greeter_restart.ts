/**
 * HashiCorp go-plugin's basic example, Greeter, in sandplug's process tier,
 * plus what go-plugin users ask for most: the plugin is killed, the host
 * notices at once, restarts it, and the same handle keeps working.
 *
 * Run: deno run --allow-read=. --allow-run --allow-write=/tmp examples/greeter_restart.ts
 */
import { createHost, defineContract, fn, type HostEventDetail } from "@sandplug/host";
import { z } from "zod";

const greeterContract = defineContract({
  name: "greeter-go",
  version: "1.0.0",
  symbols: {
    Greet: fn({ args: [], returns: z.string() }),
    Pid: fn({ args: [], returns: z.number() }),
  },
});

await using host = createHost({ isolation: "process", restart: "on-failure" });
for (const type of ["crash", "restart"]) {
  host.addEventListener(type, (event) => {
    const detail = (event as CustomEvent<HostEventDetail>).detail;
    console.log(
      `host event: ${type} of "${detail.plugin}"${detail.error ? `: ${detail.error.message}` : ""}`,
    );
  });
}

const greeter = await host.load(new URL("../plugins/greeter-go", import.meta.url), {
  contract: greeterContract,
});
const greet = greeter.lookup("Greet");
console.log(await greet());

const pid = await greeter.lookup("Pid")();
console.log(`killing the plugin's process ${pid}`);
const restarted = new Promise((resolve) =>
  host.addEventListener("restart", resolve, { once: true })
);
Deno.kill(pid, "SIGKILL");
await restarted;

// The same handle keeps working: calls now go to the new process. (A call in flight at the moment of
// the crash fails with PluginCrashedError rather than being retried: it may not be safe to run twice.)
console.log(await greet());
console.log(`restarted ${greeter.restarts} time(s); new process ${await greeter.lookup("Pid")()}`);
