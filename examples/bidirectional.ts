/**
 * HashiCorp go-plugin's bidirectional example, in sandplug's default
 * (process) tier: a key/counter store whose plugin does not do its own sums.
 * The host does not trust it to add, so the plugin calls back into the host's
 * `sum(a, b)` for every new total. plugins/counter lists that one host
 * function in its plugin.json (`"host": ["sum"]`) and is granted no
 * permission; the host provides it on the load.
 *
 * go-plugin's README runs its CLI three times:
 *
 * ```sh
 * $ ./counter put hello 1
 * $ ./counter put hello 1
 * $ ./counter get hello
 * 2
 * ```
 *
 * and this host does the same, printing the same sequence.
 *
 * Run: deno run --allow-read=. --allow-run --allow-write=/tmp examples/bidirectional.ts
 */
import { createHost } from "@sandplug/host";
import { counterV1 } from "../plugins/counter/contract.ts";

await using host = createHost();
const counter = await host.load(new URL("../plugins/counter", import.meta.url), {
  contract: counterV1,
  // The contract types sum here, and checks what the plugin sends it and gets back.
  provide: { sum: (a: number, b: number) => a + b },
});
console.log(`loaded "${counter.name}" in the ${counter.isolation} tier`);
console.log(`host functions: ${JSON.stringify(counter.permissions.host)}\n`);

const put = counter.lookup("put"); // typed by the contract: (key: string, value: number) => Promise<void>
const get = counter.lookup("get");

console.log("$ ./counter put hello 1");
await put("hello", 1);
console.log("$ ./counter put hello 1");
await put("hello", 1);
console.log("$ ./counter get hello");
console.log(await get("hello"));
