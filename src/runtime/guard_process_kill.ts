/**
 * Closes `node:process`'s `kill()` in a plugin worker. A worker's pid is the
 * host's, and Deno permission-checks every pid but its own, so
 * `process.kill(process.pid, "SIGKILL")` from a worker granted nothing ends
 * the host. Every way to it (`globalThis.process`, the default and named
 * exports of `node:process`, `require("process")`, npm packages) goes through
 * the one `process` object's `_kill`, which alone calls the op.
 *
 * The polyfill is loaded eagerly, though that costs each worker start: it
 * cannot be guarded lazily, since a computed `import("node:process")` loads
 * it without passing through anything plugin-visible that could be hooked.
 *
 * @module
 */

/** The part of `node:process`'s `process` object this module replaces. */
interface KillableProcess {
  kill(pid: number, signal?: string | number): boolean;
  _kill(pid: number, signal: number): number;
}

/**
 * Makes `process._kill` (which `process.kill` and the named export `kill`
 * call) and `process.kill` refuse the host's pid, 0 and negative pids
 * (process groups, the host's among them) with `NotCapable`, and pass other
 * pids on to Deno, which checks them against the worker's `run` permission.
 * Both properties become fixed, so plugin code cannot swap them back. Call it
 * before plugin code runs.
 *
 * @param hostPid The pid the worker shares with the host (`Deno.pid`).
 */
export function guardProcessKill(hostPid: number): void {
  // Loads Deno's node polyfill; no plugin code has run yet, so the getter is still Deno's own.
  const process = (globalThis as unknown as { process: KillableProcess }).process;
  const nodeKill = process.kill;
  const nodeRawKill = process._kill;
  const apply = Reflect.apply;
  const NotCapable = Deno.errors.NotCapable;
  // The op reads the pid as a 32-bit integer, wrapping larger numbers (2 ** 32 + pid is pid): the
  // pid checked is the pid passed on.
  const allowed = (pid: number): number => {
    const target = pid | 0;
    if (target === hostPid || target <= 0) {
      throw new NotCapable(
        `Cannot signal pid ${pid}: plugins may not signal the host (pid ${hostPid}) or a process group (pid 0 or below); signal only a process the plugin started`,
      );
    }
    return target;
  };
  function _kill(pid: unknown, signal: unknown): number {
    if (typeof pid !== "number") {
      throw new TypeError(
        `Cannot signal a process: the pid is a ${typeof pid}; pass the pid as a number`,
      );
    }
    return apply(nodeRawKill, process, [allowed(pid), signal]);
  }
  // Node's own checks of the arguments stay; a pid that is a number is refused here as well, so
  // that the object's kill() stays closed should Deno's ever stop going through _kill.
  function kill(pid: unknown, ...rest: unknown[]): boolean {
    if (typeof pid === "number") allowed(pid);
    return apply(nodeKill, process, [pid, ...rest]);
  }
  for (const [name, value] of [["_kill", _kill], ["kill", kill]] as const) {
    Object.defineProperty(process, name, { value, writable: false, configurable: false });
  }
}
