// The "counter" contract, as its author publishes it for hosts: what the plugin
// exports, and the host function it calls. Hosts import it; the plugin itself
// does not (its module graph is only mod.ts).
import { defineContract, fn } from "@sandplug/host";
import { z } from "zod";

/** counter 1.0: put() and get(), and the host's sum() that put() calls. */
export const counterV1 = defineContract({
  name: "counter",
  version: "1.0.0",
  symbols: {
    put: fn({ args: [z.string().min(1), z.number().int()], returns: z.void() }),
    get: fn({ args: [z.string().min(1)], returns: z.number().int() }),
  },
  host: {
    sum: fn({ args: [z.number().int(), z.number().int()], returns: z.number().int() }),
  },
});
