/**
 * What a command-line user does about a library error: the library's own
 * advice names options of `createHost()` and `load()`, which a user of
 * `sandplug` reaches through flags instead.
 *
 * @module
 */
import type { PluginError } from "../errors/errors.ts";

/** The flag or command that fixes `error`, as a sentence to print after it; empty when none fits. */
export function cliHint(error: PluginError, command: string): string {
  switch (error.code) {
    case "PLUGIN_TIMEOUT":
      return "With sandplug, raise the deadline with --timeout <ms>.";
    case "LOAD_FAILED":
      if (/isolation: "process"/.test(error.message)) {
        return "With sandplug, choose the tier with --tier process (or --tier worker).";
      }
      return "";
    case "PLUGIN_THREW":
      if (/NotCapable/.test(error.message)) {
        return `The plugin needed a permission its plugin.json does not list: ` +
          `run sandplug learn <dir> <symbol> [args...] to see which, and add it to "permissions".`;
      }
      return "";
    case "VALIDATION_FAILED":
      if (command === "call" && /p\.call\(\)|with --stream/.test(error.message)) {
        return "Drop --stream: this function returns one value.";
      }
      return "";
    default:
      return "";
  }
}
