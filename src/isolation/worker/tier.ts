/**
 * The worker tier: each plugin runs in its own Web Worker that holds exactly
 * its effective grant. Fast to start and to call; it shares the host's process.
 *
 * @module
 */
import { PermissionPromptError, PluginLoadError, UnstableFlagError } from "../../errors/errors.ts";
import { toWorkerPermissions } from "../../permissions/permissions.ts";
import type { PluginMessage } from "../../wire/protocol.ts";
import type { Isolate, IsolateEvents, IsolateSpec, IsolationTier } from "../types.ts";
import { promptState, workerOptionsState } from "../host_flags.ts";
import { sharedDenoDirWritableBy } from "../process/deno_dir.ts";
import { errorText } from "../../wire/error_text.ts";

const WORKER_MAIN = new URL("../../runtime/worker_main.ts", import.meta.url);

function startWorker(spec: IsolateSpec, events: IsolateEvents): Isolate {
  // Both are refused when unknown too: guessing wrong ends the host (exit code 70) or makes
  // its terminal ask a human.
  const feature = workerOptionsState();
  if (feature !== "on") throw new UnstableFlagError(feature);
  const prompts = promptState();
  if (prompts !== "impossible") throw new PermissionPromptError(prompts);
  let worker: Worker;
  try {
    worker = new Worker(WORKER_MAIN, {
      type: "module",
      name: `sandplug:${spec.plugin}`,
      deno: { permissions: toWorkerPermissions(spec.grant) },
    });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new PluginLoadError(
      spec.plugin,
      `its worker could not start: ${reason}; the host process must itself hold every permission it grants, ` +
        "so run the host with the matching --allow-* flags",
      { cause },
    );
  }
  let ended = false;
  // Every message after init travels on this channel, whose far port only the
  // runtime holds: what plugin code posts with self.postMessage reaches nothing.
  const { port1: port, port2: runtimePort } = new MessageChannel();
  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    port.close();
    worker.terminate();
    events.exit(reason);
  };
  const deliver = (data: unknown) => {
    try {
      events.message(data as PluginMessage);
    } catch (error) {
      // The host must survive whatever a plugin sends: a message it cannot take ends the plugin.
      end(`the host could not handle its message: ${errorText(error)}`);
    }
  };
  port.onmessage = (event: MessageEvent<unknown>) => deliver(event.data);
  port.onmessageerror = () => end("a message from the plugin could not be deserialised");
  worker.onmessage = () => end("it posted a message outside the protocol");
  worker.onerror = (event: ErrorEvent) => {
    // Without preventDefault an error in the worker would end the host process.
    event.preventDefault();
    end(`uncaught error: ${event.message}`);
  };
  worker.onmessageerror = () => end("a message from the plugin could not be deserialised");
  let started = false;
  return {
    send(message, transfer) {
      if (started) {
        if (transfer === undefined) port.postMessage(message);
        else port.postMessage(message, { transfer });
        return;
      }
      // The first message is init: it hands the runtime its port.
      started = true;
      worker.postMessage({ ...message, port: runtimePort }, {
        transfer: [runtimePort, ...(transfer ?? [])],
      });
    },
    terminate() {
      ended = true;
      port.close();
      worker.terminate();
    },
  };
}

/**
 * Runs each plugin in a Web Worker with `deno.permissions` set to its
 * effective grant. Needs Deno's worker-options feature, which the host must
 * be able to see: `"unstable": ["worker-options"]` in a deno.json it may
 * read, or `--unstable-worker-options` under `-A` (see `host_flags.ts`).
 */
export const workerTier: IsolationTier = {
  name: "worker",
  enforces: { permissions: true, memoryLimit: false },
  lowLatency: "channel",
  clones: true,
  checkGrant(grant) {
    // A worker cannot be denied part of its grant, so one that could write the process tier's
    // shared DENO_DIR could plant code that process-tier children run.
    const cache = sharedDenoDirWritableBy(grant.write);
    if (cache === undefined) return undefined;
    return `its write grant ${JSON.stringify(grant.write)} covers ${cache}, where process-tier ` +
      "plugins' module cache lives, and a worker cannot be denied part of a grant; " +
      'grant a narrower folder, or load it with isolation: "process"';
  },
  start: startWorker,
};
