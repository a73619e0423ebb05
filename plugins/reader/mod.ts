// A plugin granted `read: ["./data"]`: it may read the files in its data
// folder, and the host's sandbox denies it every other path.

/**
 * Reads a file of the plugin's `data` folder.
 *
 * @param name The file's name inside `data`, e.g. `"hello.txt"`.
 * @returns The file's text.
 */
export async function readData(name: string): Promise<string> {
  return await Deno.readTextFile(new URL("./data/" + name, import.meta.url));
}

/**
 * Reads any path. Outside the plugin's grant this rejects with Deno's
 * `NotCapable` error: it exists to show the denial.
 *
 * @param path An absolute path.
 * @returns The file's text.
 */
export async function readPath(path: string): Promise<string> {
  return await Deno.readTextFile(path);
}

/** A harmless call, to show the plugin still answers after a denial. */
export function ping(): string {
  return "pong";
}
