/**
 * A typed, versioned contract: the host takes the "greeter" contract its
 * author publishes (plugins/greeter/contract.ts), negotiates the highest
 * version the plugin implements, and gets `lookup()` typed and validated
 * from the schemas.
 *
 * Run: deno run --allow-read=. --allow-run --allow-write=/tmp examples/contract.ts
 */
import { createHost, ValidationError } from "@sandplug/host";
import { greeterV1, greeterV1_1 } from "../plugins/greeter/contract.ts";

await using host = createHost();
const greeter = await host.load(new URL("../plugins/greeter", import.meta.url), {
  contract: [greeterV1, greeterV1_1],
});
console.log(`negotiated contract ${greeter.contract?.name} ${greeter.contract?.version}`);

const greet = greeter.lookup("greet"); // typed: (name: string) => Promise<string>
console.log(await greet("Ada"));
console.log(`greetings so far: ${await greeter.lookup("greetings").get()}`);

try {
  await greet("");
} catch (error) {
  if (!(error instanceof ValidationError)) throw error;
  console.log(`refused at the boundary: ${error.message}`);
}
