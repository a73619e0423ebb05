/**
 * Memory as Linux reports it in `/proc/<pid>/status`.
 *
 * @module
 */

/** One process's resident memory, in KiB. */
export interface Resident {
  /** `VmRSS`: every resident page, including the deno binary's file-backed pages shared with others. */
  rss: number;
  /** `RssAnon`: resident anonymous pages, private to the process (heaps, stacks). */
  anon: number;
}

function field(text: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text);
  return match === null ? 0 : Number(match[1]);
}

/** The resident memory of `pid` (`"self"` for this process), or undefined once it is gone. */
export function resident(pid: number | "self" = "self"): Resident | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch {
    return undefined;
  }
  return { rss: field(text, "VmRSS"), anon: field(text, "RssAnon") };
}

/** The ids of this process's direct children. */
export function childPids(): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const text = Deno.readTextFileSync(`/proc/${entry.name}/status`);
      if (field(text, "PPid") === Deno.pid) pids.push(Number(entry.name));
    } catch {
      // it exited while we looked
    }
  }
  return pids;
}

/** The summed resident memory of this process's direct children, and how many there are. */
export function childrenResident(): Resident & { count: number } {
  const total = { rss: 0, anon: 0, count: 0 };
  for (const pid of childPids()) {
    const memory = resident(pid);
    if (memory === undefined) continue;
    total.rss += memory.rss;
    total.anon += memory.anon;
    total.count++;
  }
  return total;
}
