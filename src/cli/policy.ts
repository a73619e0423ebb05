/**
 * The host policy a command loads plugins under: a JSON file with the shape
 * of `createHost({ allow })` given with `--policy`, or, without one, a policy
 * that allows whatever the plugin's manifest asks for (the plugin still holds
 * exactly that, and nothing more).
 *
 * @module
 */
import { type HostPolicy, PERMISSION_KINDS, resolvePolicy } from "../permissions/permissions.ts";
import { UsageError } from "./exit_code.ts";

/** A policy that covers every item a manifest can ask for. */
export const ALLOW_MANIFEST: HostPolicy = Object.freeze({
  ...Object.fromEntries(PERMISSION_KINDS.map((kind) => [kind, true])),
  imports: true,
  host: true,
});

/**
 * Reads and checks a policy file. Paths in it resolve against the working
 * folder, as `createHost({ allow })`'s do.
 *
 * @param path The file, as given to `--policy`.
 * @throws {UsageError} When it cannot be read, is not JSON, or is not a policy; the message says why.
 */
export async function readPolicy(path: string): Promise<HostPolicy> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "it does not exist"
      : `it cannot be read (${(error as Error).message})`;
    throw new UsageError(
      `Cannot read policy file ${path}: ${reason}; pass a JSON file to --policy`,
    );
  }
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `Cannot read policy file ${path}: it is not JSON (${(error as Error).message}); ` +
        'write an object such as { "read": ["./data"], "net": ["api.example.com:443"] }',
    );
  }
  if (typeof policy !== "object" || policy === null || Array.isArray(policy)) {
    throw new UsageError(
      `Cannot read policy file ${path}: it must hold an object, the allow of createHost({ allow }); ` +
        `current value is ${JSON.stringify(policy)}`,
    );
  }
  if (Object.hasOwn(policy, "allow")) {
    throw new UsageError(
      `Cannot read policy file ${path}: it holds { "allow": … }; write the allow object itself, ` +
        'e.g. { "read": ["./data"] }',
    );
  }
  try {
    resolvePolicy(policy as HostPolicy);
  } catch (error) {
    const reason = (error as Error).message.replace(/^Cannot create host: allow\./, "");
    throw new UsageError(`Cannot read policy file ${path}: ${reason}`);
  }
  return policy as HostPolicy;
}
