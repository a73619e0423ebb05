/**
 * One reaper process per host process: a `/bin/sh` loop that kills the
 * process-tier children still running when the host dies, even a child whose
 * plugin code keeps its main thread busy (such a child never sees its stdin
 * end). It replaces a watchdog thread in every child, which cost each child
 * about 10 ms of start-up and 7 MiB.
 *
 * The host writes `+ <pid>` when it starts a child and `- <pid>` once it has
 * reaped it, so a pid the system may give to another process is never on the
 * list. When the reaper's stdin ends without a `q` first (the host exited,
 * crashed or was SIGKILLed: the kernel closes the pipe), it SIGKILLs the pids
 * still listed, checking on Linux that each still runs the same deno
 * executable (a stranger that got a recycled pid is never signalled),
 * and removes the host's shared DENO_DIR. With no child left the host writes
 * `q` and lets the reaper go, so that a closed host leaves no process behind.
 *
 * Plugins cannot reach it: signalling another process needs `--allow-run`
 * (Deno.kill and `node:process` alike), which no child gets unless its grant
 * names programs, and only the host holds the pipe to its stdin (Deno opens
 * every pipe close-on-exec). It ignores the terminal's signals, which reach
 * a whole process group, so that it outlives a host ended by Ctrl-C.
 *
 * @module
 */
import { granted } from "./args.ts";

const SHELL = "/bin/sh";

/**
 * The reaper's script. `$1`: the folder to remove, `$2`: the deno executable.
 * Builtins and `rm` only: its environment is empty. Only plain pids above 1
 * are listed (`kill -9 0` would hit the whole process group). fd 3 keeps the
 * executable's inode, so that the check still holds after deno is upgraded
 * in place; where there is no `/proc` (macOS) the check is skipped.
 */
export const REAPER_SCRIPT = `trap '' HUP INT QUIT TERM
[ -r "$2" ] && exec 3<"$2"
pids=' '
while read -r op pid; do
  case $op in
    +) case $pid in '' | 0 | 1 | *[!0-9]*) ;; *) pids="$pids$pid " ;; esac ;;
    -) case $pids in *" $pid "*) pids="\${pids%%" $pid "*} \${pids#*" $pid "}" ;; esac ;;
    q) exit 0 ;;
  esac
done
for pid in $pids; do
  if [ -e /proc/$$/fd/3 ] && ! [ /proc/$pid/exe -ef /proc/$$/fd/3 ]; then continue; fi
  kill -9 "$pid" 2>/dev/null
done
[ -n "$1" ] && rm -rf -- "$1"
`;

/** How many times a reaper that died on its own is replaced before children go unwatched. */
const MAX_RESPAWNS = 3;

class Reaper {
  readonly #process: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly pids = new Set<number>();
  readonly exited: Promise<void>;
  #quitting = false;

  constructor(root: string, onDeath: (reaper: Reaper) => void) {
    this.#process = new Deno.Command(SHELL, {
      args: ["-c", REAPER_SCRIPT, "sandplug-reaper", root, Deno.execPath()],
      clearEnv: true,
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    // An idle reaper must not keep the host alive: at exit its stdin closes and it does its job.
    this.#process.unref();
    this.#writer = this.#process.stdin.getWriter();
    this.exited = this.#process.status.then(() => {
      if (!this.#quitting) onDeath(this);
    }, () => {});
  }

  /** Writes one line; settles once written or once the reaper is found gone. */
  write(line: string): Promise<void> {
    return this.#writer.write(new TextEncoder().encode(`${line}\n`)).catch(() => {});
  }

  /** Lets the reaper go without killing anything; settles once it has exited. */
  quit(): Promise<void> {
    this.#quitting = true;
    this.#process.ref(); // its exit is awaited now
    void this.write("q");
    this.#writer.close().catch(() => {});
    return this.exited;
  }
}

let current: Reaper | undefined;
let respawns = 0;
let unavailable: boolean | undefined;
let root = "";

/** Whether this host can run a reaper: Unix, /bin/sh present, and run permission for it. */
function available(): boolean {
  if (unavailable === undefined) {
    unavailable = Deno.build.os === "windows" || !granted({ name: "run", command: SHELL });
    // Looking needs read access, asking for which would prompt; where it is missing, a failed
    // spawn tells instead (see spawn()).
    if (!unavailable && granted({ name: "read", path: SHELL })) {
      try {
        unavailable = !Deno.statSync(SHELL).isFile;
      } catch {
        unavailable = true; // no shell, or the host may not even look
      }
    }
  }
  return !unavailable;
}

function spawn(): Reaper | undefined {
  try {
    return new Reaper(root, replace);
  } catch {
    unavailable = true;
    return undefined;
  }
}

/** A reaper that died on its own (someone outside the sandbox killed it): a new one takes its list. */
function replace(dead: Reaper): void {
  if (current !== dead) return;
  current = undefined;
  if (dead.pids.size === 0 || respawns++ >= MAX_RESPAWNS) return;
  const next = spawn();
  if (next === undefined) return;
  current = next;
  for (const pid of dead.pids) {
    next.pids.add(pid);
    void next.write(`+ ${pid}`);
  }
}

/** Whether a reaper can run here: Unix, `/bin/sh`, and run permission for it. */
export function reaperAvailable(): boolean {
  return available();
}

/**
 * Makes sure a reaper runs, starting one if needed, before a child is started.
 *
 * @param folder What the reaper removes if the host dies (the shared DENO_DIR's root).
 * @returns Whether a reaper runs; false where none can (Windows, no `/bin/sh`,
 * or no run permission for it), and then each child needs its watchdog thread.
 */
export function startReaper(folder: string): boolean {
  if (!available()) return false;
  root = folder;
  current ??= spawn();
  return current !== undefined;
}

/**
 * Puts a child on the running reaper's list.
 *
 * @returns A promise that settles once the pid is on the list (or the reaper is found gone).
 */
export function watchChild(pid: number): Promise<void> {
  if (current === undefined) return Promise.resolve();
  current.pids.add(pid);
  return current.write(`+ ${pid}`);
}

/**
 * Takes a reaped child off the list (if it is on it); a reaper left with
 * no child exits.
 *
 * @returns A promise that settles once the pid is off the list and, if no
 * child is left, the reaper has exited.
 */
export function releaseChild(pid: number): Promise<void> {
  const reaper = current;
  if (reaper === undefined) return Promise.resolve();
  const written = reaper.pids.delete(pid) ? reaper.write(`- ${pid}`) : Promise.resolve();
  if (reaper.pids.size > 0) return written;
  current = undefined;
  return reaper.quit();
}
