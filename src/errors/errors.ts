/**
 * The errors sandplug throws, in one import for the rest of `src/`. Every
 * error a caller may want to catch is a {@linkcode PluginError} subclass with
 * a stable `name` and `code`, the plugin's name where one is known, and the
 * underlying `cause`. Each group lives in its own file:
 *
 * - `plugin_error.ts`: the base class and {@linkcode PluginErrorCode};
 * - `load_errors.ts`: loading a plugin;
 * - `host_errors.ts`: the host's own flags, terminal and state;
 * - `lookup_errors.ts`: looking a symbol up;
 * - `call_errors.ts`: values crossing the boundary and calls that fail in plugin code;
 * - `unanswered_errors.ts`: requests left unanswered (closed, timed out, crashed).
 *
 * @module
 */
export { PluginError, type PluginErrorCode, type PluginErrorOptions } from "./plugin_error.ts";
export {
  type DeniedImport,
  type DeniedPermission,
  ImportDeniedError,
  IncompatiblePluginError,
  ManifestError,
  type ManifestIssue,
  PermissionDeniedError,
  PluginLoadError,
} from "./load_errors.ts";
export { HostClosedError, PermissionPromptError, UnstableFlagError } from "./host_errors.ts";
export { SymbolKindError, SymbolNotFoundError } from "./lookup_errors.ts";
export { PayloadTooLargeError, PluginCallError, ValidationError } from "./call_errors.ts";
export { PluginClosedError, PluginCrashedError, PluginTimeoutError } from "./unanswered_errors.ts";
export { type IntegrityChange, IntegrityError, LockFileError } from "./integrity_error.ts";
export { type UpgradeRefusal, UpgradeRefusedError } from "./upgrade_errors.ts";
