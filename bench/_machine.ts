/**
 * What the report says about the machine and the code it measured.
 *
 * @module
 */

/** The machine and source a run measured. */
export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  os: string;
  deno: string;
  v8: string;
  date: string;
  /** The commit, and whether the library's files had uncommitted changes. */
  source: string;
}

/** CPU time so far, in seconds: the whole machine's, and this process tree's. */
export interface CpuSnapshot {
  /** Busy time of all cores (user, nice, system, irq, softirq, steal) since boot. */
  machine: number;
  /** This process's user and system time, plus that of the children it has reaped. */
  own: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Deno runs on

/** Reads the CPU time spent so far, from /proc/stat and /proc/self/stat. */
export function cpuSnapshot(): CpuSnapshot {
  const cpu = read("/proc/stat").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal = 0] = cpu;
  const stat = read("/proc/self/stat");
  // After the command name in parentheses: state is field 3, utime..cstime are fields 14..17.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  const own = fields[11] + fields[12] + fields[13] + fields[14];
  return {
    machine: (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND,
    own: own / TICKS_PER_SECOND,
  };
}

function read(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

async function git(args: string[], cwd: URL): Promise<string | undefined> {
  try {
    const output = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "null" })
      .output();
    return output.success ? new TextDecoder().decode(output.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

async function source(root: URL): Promise<string> {
  const commit = await git(["rev-parse", "--short", "HEAD"], root);
  if (commit === undefined) return "unknown (not a git checkout)";
  const dirty = await git(["status", "--porcelain", "--", "src", "mod.ts"], root);
  const changed = dirty === undefined || dirty === "" ? 0 : dirty.split("\n").length;
  return changed === 0
    ? `commit ${commit}`
    : `commit ${commit} plus uncommitted changes to ${changed} file(s) under src/ and mod.ts`;
}

/** Describes this machine, from /proc and Deno itself. */
export async function describeMachine(root: URL): Promise<Machine> {
  const cpuinfo = read("/proc/cpuinfo");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  const cores = cpuinfo.match(/^processor\s*:/gm)?.length ?? navigator.hardwareConcurrency;
  const memKiB = Number(/^MemTotal:\s+(\d+) kB/m.exec(read("/proc/meminfo"))?.[1] ?? NaN);
  const kernel = read("/proc/sys/kernel/osrelease").trim();
  return {
    cpu: model,
    cores,
    ramGiB: memKiB / 1024 / 1024,
    os: `${Deno.build.os} ${kernel}`.trim(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    source: await source(root),
  };
}
