/**
 * A typed, versioned contract: the host declares what it needs from a
 * "greeter" plugin, negotiates the highest contract version the plugin
 * implements, and gets `lookup()` typed and validated from the schemas.
 *
 * Run: deno run --allow-read=. --allow-run --allow-write=/tmp examples/contract.ts
 */
import { createHost, defineContract, fn, ValidationError, variable } from "@sandplug/host";
import { z } from "zod";

const greeterV1 = defineContract({
  name: "greeter",
  version: "1.0.0",
  symbols: {
    greet: fn({ args: [z.string().min(1)], returns: z.string() }),
    greetings: variable(z.number().int()),
  },
});
const greeterV1_1 = defineContract({
  name: "greeter",
  version: "1.1.0",
  range: "^1.1",
  symbols: { ...greeterV1.symbols, farewell: fn({ args: [z.string()], returns: z.string() }) },
});

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
