/**
 * Hostile plugins, one per attack class. Each is loaded with an empty grant
 * (unless it says otherwise) through the public API, in every tier.
 *
 * A plugin's `attack()` tries the effect without catching: a refusal shows as
 * the error it throws. `outcome` says what must happen:
 * - `refused`: the load fails with the given error class and message;
 * - `throws`: `attack()` rejects with a PluginCallError whose `remoteName: remoteMessage` matches;
 * - `crash`: `attack()` rejects with PluginCrashedError whose reason matches;
 * - `returns`: `attack()` resolves to this value.
 * `worker` and `process` override the outcome in one tier: where Deno 2.9
 * cannot contain the attack in a worker (documented in SECURITY.md), or where
 * the attack only reaches the plugin's own throw-away child process.
 */

/** What must happen to an attack. */
export type Outcome =
  | { refused: string; message: RegExp }
  | { throws: RegExp }
  | { crash: RegExp }
  | { returns: unknown }
  | { tooLarge: true }
  /** Whatever it does stays inside the plugin's own child process: the call settles, the host is untouched. */
  | { contained: string };

/** One hostile plugin. */
export interface Attack {
  /** What it tries, as a test name. */
  name: string;
  /** The class of SANDBOX-FACTS.md (or ours) it belongs to. */
  group: string;
  /** The plugin's mod.ts; exports `attack()` unless the load itself is the attack. */
  code: string;
  /** More files in the plugin folder. */
  files?: Record<string, string>;
  /** Manifest fields over the default (empty grant). */
  manifest?: Record<string, unknown>;
  /** What must happen in every tier. */
  outcome: Outcome;
  /** What happens instead in the worker tier, where it differs. */
  worker?: Outcome;
  /** What happens instead in the process tier, where it differs. */
  process?: Outcome;
}

const denied = (kind: string) => ({ throws: new RegExp(`^NotCapable: Requires ${kind} access`) });
const notDefined = (name: string) => ({
  throws: new RegExp(`^ReferenceError: ${name} is not defined`),
});

/** The attack corpus. `{{OUTSIDE}}` is replaced by a secret file outside the plugin folder. */
export const ATTACKS: Attack[] = [
  // Files
  {
    name: "reads a file outside its folder",
    group: "fs",
    code: `export const attack = () => Deno.readTextFile("{{OUTSIDE}}");`,
    outcome: denied("read"),
  },
  {
    name: "reads /etc/passwd",
    group: "fs",
    code: `export const attack = () => Deno.readTextFileSync("/etc/passwd");`,
    outcome: denied("read"),
  },
  {
    name: "reads outside through ../",
    group: "fs",
    code:
      `export const attack = () => Deno.readTextFile(new URL("../secret.txt", import.meta.url));`,
    outcome: denied("read"),
  },
  {
    name: "reads outside with node:fs",
    group: "fs",
    code:
      `import { readFileSync } from "node:fs"; export const attack = () => readFileSync("{{OUTSIDE}}", "utf8");`,
    outcome: denied("read"),
  },
  {
    name: "reads outside with fetch(file:)",
    group: "fs",
    code: `export const attack = async () => (await fetch("file://{{OUTSIDE}}")).text();`,
    outcome: { throws: /Requires read access/ },
  },
  {
    name: "lists a folder outside",
    group: "fs",
    code: `export const attack = () => [...Deno.readDirSync("/")].length;`,
    outcome: denied("read"),
  },
  {
    name: "writes a file outside",
    group: "fs",
    code: `export const attack = () => Deno.writeTextFile("{{OUTSIDE}}.new", "pwned");`,
    outcome: denied("write"),
  },
  {
    name: "writes inside its own folder without a grant",
    group: "fs",
    code:
      `export const attack = () => Deno.writeTextFile(new URL("./x.txt", import.meta.url), "x");`,
    outcome: denied("write"),
  },
  {
    name: "removes a file outside",
    group: "fs",
    code: `export const attack = () => Deno.remove("{{OUTSIDE}}");`,
    outcome: denied("write"),
  },
  {
    name: "makes a symlink to /etc",
    group: "fs",
    code: `export const attack = () => Deno.symlink("/etc", new URL("./etc", import.meta.url));`,
    // Deno refuses symlink() to any path-scoped grant: a link's target is only checked when followed.
    outcome: {
      throws: /^NotCapable: Deno\.symlink\(\) requires unscoped --allow-read and --allow-write/,
    },
  },
  {
    name: "ships a symlink that leaves its folder",
    group: "fs",
    code:
      `export const attack = () => Deno.readTextFile(new URL("./link/passwd", import.meta.url));`,
    files: { "link": "@symlink:/etc" },
    outcome: {
      refused: "PluginLoadError",
      message: /symlink link → \/etc, outside the plugin folder/,
    },
  },
  // Network
  {
    name: "fetches a loopback server",
    group: "net",
    code: `export const attack = () => fetch("http://127.0.0.1:{{PORT}}/").then((r) => r.text());`,
    outcome: denied("net"),
  },
  {
    name: "opens a TCP connection",
    group: "net",
    code: `export const attack = () => Deno.connect({ hostname: "127.0.0.1", port: {{PORT}} });`,
    outcome: denied("net"),
  },
  {
    name: "listens on a port",
    group: "net",
    code: `export const attack = () => Deno.listen({ hostname: "127.0.0.1", port: 0 });`,
    outcome: denied("net"),
  },
  {
    name: "opens a WebSocket",
    group: "net",
    code: `export const attack = () => new WebSocket("ws://127.0.0.1:{{PORT}}/");`,
    outcome: denied("net"),
  },
  {
    name: "resolves DNS",
    group: "net",
    code: `export const attack = () => Deno.resolveDns("example.com", "A");`,
    outcome: denied("net"),
  },
  // Environment: outside the grant a variable reads as unset, as under Deno's --ignore-env
  {
    name: "reads an environment variable",
    group: "env",
    code: `export const attack = () => Deno.env.get("HOME");`,
    outcome: { returns: undefined },
  },
  {
    name: "dumps the environment",
    group: "env",
    code: `export const attack = () => Deno.env.toObject();`,
    outcome: { returns: {} },
  },
  {
    name: "reads the environment with node:process",
    group: "env",
    code: `import process from "node:process"; export const attack = () => process.env.HOME;`,
    outcome: { returns: undefined },
  },
  {
    name: "sets an environment variable",
    group: "env",
    code: `export const attack = () => Deno.env.set("HOME", "/tmp");`,
    outcome: denied("env"),
  },
  // Subprocesses, FFI, system information
  {
    name: "runs a program",
    group: "run",
    code: `export const attack = () => new Deno.Command("id").output();`,
    outcome: denied("run"),
    // The child's environment is cleared, PATH too: a bare name is not even found.
    process: { throws: /^NotFound: Failed to spawn 'id'/ },
  },
  {
    name: "runs a program with node:child_process",
    group: "run",
    code:
      `import { execFileSync } from "node:child_process"; export const attack = () => String(execFileSync("id"));`,
    // A sync spawn drops the run refusal (Deno 2.9.6); in the process tier PATH is gone too. Nothing runs.
    outcome: { throws: /^Error: (Command failed: id|spawnSync id ENOENT)/ },
  },
  {
    name: "loads a native library",
    group: "ffi",
    code: `export const attack = () => Deno.dlopen("libc.so.6", {});`,
    outcome: denied("ffi"),
  },
  {
    name: "reads the hostname",
    group: "sys",
    code: `export const attack = () => Deno.hostname();`,
    outcome: denied("sys"),
  },
  {
    name: "reads system memory",
    group: "sys",
    code: `export const attack = () => Deno.systemMemoryInfo();`,
    outcome: denied("sys"),
  },
  {
    name: "lists network interfaces",
    group: "sys",
    code: `export const attack = () => Deno.networkInterfaces();`,
    outcome: denied("sys"),
  },
  // The module graph
  {
    name: "imports a file outside statically",
    group: "imports",
    code: `import "../secret.ts"; export const attack = () => 1;`,
    outcome: {
      refused: "ImportDeniedError",
      message: /mod\.ts:1 imports "\.\.\/secret\.ts": it leaves the plugin folder/,
    },
  },
  {
    name: "imports JSON outside",
    group: "imports",
    code: `import data from "{{OUTSIDE}}" with { type: "text" }; export const attack = () => data;`,
    outcome: { refused: "ImportDeniedError", message: /it leaves the plugin folder/ },
  },
  {
    name: "imports an undeclared npm package",
    group: "imports",
    code: `import isNumber from "npm:is-number@7.0.0"; export const attack = () => isNumber(1);`,
    outcome: { refused: "ImportDeniedError", message: /the package is not declared/ },
  },
  {
    name: "imports a literal data: module",
    group: "imports",
    code: `import x from "data:text/javascript,export default 42"; export const attack = () => x;`,
    outcome: { refused: "ImportDeniedError", message: /data: modules are not allowed/ },
  },
  {
    name: "imports a remote module",
    group: "imports",
    code: `export const attack = () => import("https://esm.sh/is-number@7.0.0");`,
    outcome: { refused: "ImportDeniedError", message: /remote imports need "permissions"/ },
  },
  {
    name: "hides an npm import in dead code",
    group: "imports",
    code: `export const attack = () => 1; if (false) await import("npm:is-number@7.0.0");`,
    outcome: { refused: "ImportDeniedError", message: /the package is not declared/ },
  },
  {
    name: "imports a file outside through a computed specifier",
    group: "imports",
    code: `const where = "{{OUTSIDE}}"; export const attack = () => import(where);`,
    outcome: { throws: /Requires read access/ },
  },
  {
    name: "imports a data: module built at run time",
    group: "imports",
    code:
      `export const attack = async () => (await import("data:text/javascript," + "export default 1")).default;`,
    // Deno 2.9 loads it in both tiers. It gives nothing eval() does not: its own imports are still checked
    // (the next two attacks).
    outcome: { returns: 1 },
  },
  {
    name: "reads a file through a data: module built at run time",
    group: "imports",
    code: `export const attack = async () => (await import("data:application/typescript;base64," +
      btoa('import t from "file://{{OUTSIDE}}" with { type: "text" }; export default t;'))).default;`,
    outcome: { throws: /Requires read access/ },
  },
  {
    name: "imports a remote module through a data: module built at run time",
    group: "imports",
    code: `export const attack = async () => (await import("data:application/typescript;base64," +
      btoa('export * from "https://esm.sh/is-number@7.0.0";'))).default;`,
    outcome: { throws: /Requires import access|not allowed/ },
  },
  // Host-level effects
  {
    name: "kills the host with Deno.kill",
    group: "host",
    code: `export const attack = () => Deno.kill(Deno.pid, "SIGKILL");`,
    outcome: { throws: /^NotCapable: Deno\.kill is not available to plugins/ },
    worker: { throws: /^NotCapable: Deno\.kill is not available to plugins/ },
    process: { crash: /killed by SIGKILL/ }, // Deno.pid is the child's own
  },
  {
    name: "exits with Deno.exit()",
    group: "host",
    code: `export const attack = () => Deno.exit(3);`,
    outcome: { crash: /Deno\.exit\(3\)|exited with code 3/ },
  },
  {
    name: "closes its own worker with self.close()",
    group: "host",
    code: `export const attack = () => self.close();`,
    outcome: { crash: /self\.close\(\)|ended/ },
    process: { contained: "close() ends at most the child" },
  },
  {
    name: "throws outside any call",
    group: "host",
    code:
      `export const attack = () => { setTimeout(() => { throw new Error("later"); }, 1); return new Promise(() => {}); };`,
    outcome: { crash: /later/ },
  },
  {
    name: "rejects a promise nobody awaits",
    group: "host",
    code:
      `export const attack = () => { Promise.reject(new Error("unhandled")); return new Promise(() => {}); };`,
    outcome: { crash: /unhandled/ },
  },
  {
    name: "asks for a permission at run time",
    group: "host",
    code:
      `export const attack = async () => (await Deno.permissions.request({ name: "env" })).state;`,
    outcome: { returns: "denied" },
  },
  // Plugins reaching each other or the host
  {
    name: "talks on a BroadcastChannel",
    group: "channels",
    code: `export const attack = () => new BroadcastChannel("sandplug").postMessage("hi");`,
    outcome: notDefined("BroadcastChannel"),
  },
  {
    name: "writes to the shared CacheStorage",
    group: "channels",
    code:
      `export const attack = async () => (await caches.open("x")).put("http://x/", new Response("y"));`,
    outcome: notDefined("caches"),
  },
  {
    name: "writes to localStorage",
    group: "channels",
    code: `export const attack = () => localStorage.setItem("x", "y");`,
    outcome: notDefined("localStorage"),
  },
  {
    name: "starts a nested worker",
    group: "channels",
    code: `export const attack = () => new Worker("data:text/javascript,1", { type: "module" });`,
    outcome: notDefined("Worker"),
  },
  {
    name: "shares memory with the host",
    group: "channels",
    code: `export const attack = () => new SharedArrayBuffer(8);`,
    outcome: { throws: /SharedArrayBuffer/ },
  },
  // Resources
  {
    name: "returns a result over the message limit",
    group: "resources",
    code: `export const attack = () => new Uint8Array(2 * 1024 * 1024);`,
    outcome: { tooLarge: true },
  },
];
