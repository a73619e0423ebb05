/**
 * The composition root: the one place that chooses the concrete isolation
 * tiers a host runs plugins in. The host itself knows them only through the
 * `IsolationTier` interface.
 *
 * @module
 */
import { PluginHost } from "./host/host.ts";
import type { Host } from "./host/host_interface.ts";
import type { HostOptions, IsolationName } from "./host/types.ts";
import type { IsolationTier } from "./isolation/types.ts";
import { inlineTier } from "./isolation/inline/tier.ts";
import { processTier } from "./isolation/process/tier.ts";
import { workerTier } from "./isolation/worker/tier.ts";

const TIERS: Readonly<Record<IsolationName, IsolationTier>> = Object.freeze({
  inline: inlineTier,
  worker: workerTier,
  process: processTier,
});

/**
 * Creates a plugin host.
 *
 * @param options The permission policy, isolation tier, deadlines, restart policy, log sink, compiled-in plugins.
 * @returns A host, ready to `load()` plugins.
 * @throws {TypeError} When the policy or another option is malformed.
 * @throws {RangeError} When the tier is unknown, or a deadline or limit is not a positive number.
 * @throws {ManifestError} When a compiled-in plugin's name is not a plugin name.
 *
 * @example Load a plugin and call it, as Go's plugin.Open / Lookup
 * ```ts
 * import { createHost, type Variable } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * await using host = createHost();
 * const plugin = await host.load("./plugins/myplugin");
 * const input = plugin.lookup<Variable<number>>("PluginInputNumber");
 * await input.set(7);
 * const describe = plugin.lookup<() => string>("Describe");
 * assert.equal(await describe(), "My custom code prints PluginInputNumber: 7");
 * ```
 *
 * @example A plugin compiled into the host, Kubernetes style
 * ```ts
 * import { createHost } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const qos = { less: (a: number, b: number) => a > b };
 * await using host = createHost({ plugins: { qos } });
 * const plugin = await host.load("qos"); // a bare name: never the folder ./qos
 * assert.equal(plugin.isolation, "inline");
 * assert.equal(await plugin.call("less", [2, 1]), true);
 * ```
 */
export function createHost(options: HostOptions = {}): Host {
  return new PluginHost(options, TIERS);
}
