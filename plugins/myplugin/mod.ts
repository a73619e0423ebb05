// The plugin from Go's `plugin` package documentation, written for sandplug.
import { variable } from "@sandplug/host/plugin";

/** Set by the host before it calls KnownPluginFunction. */
export const PluginInputNumber = variable(0);

/** Prints the current input, as Go's example does. */
export function KnownPluginFunction(): void {
  console.log(Describe());
}

/** The line KnownPluginFunction prints, returned instead. */
export function Describe(): string {
  return `My custom code prints PluginInputNumber: ${PluginInputNumber.value}`;
}
