// The "greeter" contract, as its author publishes it for hosts: versions 1.0 and 1.1. Hosts import it;
// the plugin itself does not (its module graph is only mod.ts).
import { defineContract, fn, variable } from "@sandplug/host";
import { z } from "zod";

/** greeter 1.0: greet() and a greetings counter. */
export const greeterV1 = defineContract({
  name: "greeter",
  version: "1.0.0",
  symbols: {
    greet: fn({ args: [z.string().min(1)], returns: z.string() }),
    greetings: variable(z.number().int()),
  },
});

/** greeter 1.1 adds farewell(); only plugins built against 1.1 or later implement it. */
export const greeterV1_1 = defineContract({
  name: "greeter",
  version: "1.1.0",
  range: "^1.1",
  symbols: { ...greeterV1.symbols, farewell: fn({ args: [z.string()], returns: z.string() }) },
});
