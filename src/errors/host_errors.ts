/**
 * The errors about the host itself rather than one plugin: the Deno flags and
 * terminal it runs with, and its being closed.
 *
 * @module
 */
import { PluginError } from "./plugin_error.ts";

/**
 * The host process was started without the unstable flag that per-worker
 * permissions need.
 *
 * @example
 * ```ts
 * import { UnstableFlagError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * assert.match(new UnstableFlagError().message, /--unstable-worker-options/);
 * ```
 */
export class UnstableFlagError extends PluginError {
  /** Always "UNSTABLE_FLAG_MISSING". */
  override readonly code = "UNSTABLE_FLAG_MISSING";

  /**
   * Makes the error; its message names the flag and the deno.json line that fix it.
   *
   * @param state `"unknown"` when the host could not tell (the message then names the read
   * grant that lets it) rather than saw the feature off.
   */
  constructor(state: "off" | "unknown" = "off") {
    super(
      "Cannot start a plugin worker: per-worker permissions need Deno's worker-options feature, " +
        (state === "off"
          ? "which is off; run the host with `deno run --unstable-worker-options …` or add " +
            '`"unstable": ["worker-options"]` to deno.json'
          : "and the host cannot tell whether it is on (without it Deno would end the host, exit " +
            "code 70): Deno lets it read its command line only under --allow-all, and no deno.json " +
            'it may read turns the feature on; add `"unstable": ["worker-options"]` to deno.json ' +
            "and let the host read that file (e.g. --allow-read=./deno.json)"),
    );
    this.name = "UnstableFlagError";
  }
}

/**
 * The worker tier will not start on a terminal where Deno could prompt: a
 * plugin worker's denied call would ask the host's user to grant it, in a
 * prompt that does not name the plugin and can grant all the host holds.
 *
 * @example
 * ```ts
 * import { PermissionPromptError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * assert.match(new PermissionPromptError().message, /--no-prompt/);
 * ```
 */
export class PermissionPromptError extends PluginError {
  /** Always "PERMISSION_PROMPT_POSSIBLE". */
  override readonly code = "PERMISSION_PROMPT_POSSIBLE";

  /**
   * Makes the error; its message names the flag, the variable and the tier that fix it.
   *
   * @param state `"unknown"` when the host could not tell whether prompts are off (the message
   * then names the grants that let it) rather than saw them on.
   */
  constructor(state: "possible" | "unknown" = "possible") {
    super(
      "Cannot start a plugin worker: the host runs on a terminal where Deno " +
        (state === "possible"
          ? "would ask you to grant a plugin's denied permissions; run the host with " +
            "`deno run --no-prompt …` or DENO_NO_PROMPT=1, "
          : "may ask you to grant a plugin's denied permissions, and the host cannot tell whether " +
            "prompts are off: Deno lets it see --no-prompt only under --allow-all, and it may not " +
            "read DENO_NO_PROMPT; run the host with DENO_NO_PROMPT=1 and " +
            "--allow-env=DENO_NO_PROMPT, ") +
        'or load the plugin with isolation: "process"',
    );
    this.name = "PermissionPromptError";
  }
}

/**
 * The host was closed: it loads and calls nothing more.
 *
 * @example
 * ```ts
 * import { createHost, HostClosedError } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const host = createHost();
 * await host.close();
 * await assert.rejects(host.load("./plugins/myplugin"), HostClosedError);
 * ```
 */
export class HostClosedError extends PluginError {
  /** Always "HOST_CLOSED". */
  override readonly code = "HOST_CLOSED";

  /**
   * Makes the error.
   *
   * @param what What was asked of the closed host, e.g. `"load plugin"`.
   */
  constructor(what: string) {
    super(`Cannot ${what}: the host is closed; create a new one with createHost()`);
    this.name = "HostClosedError";
  }
}
