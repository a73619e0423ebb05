/**
 * Deno's permission audit log (`DENO_AUDIT_PERMISSIONS=<file>`), read into the
 * accesses learn mode turns into a manifest's permissions.
 *
 * @module
 */
import type { Access } from "./learn.ts";

/**
 * Reads the lines Deno writes when `DENO_AUDIT_PERMISSIONS=<file>` is set, one
 * JSON object per permission check, allowed or denied:
 * `{"v":1,"datetime":"…","permission":"read","value":"/etc/hostname"}`. A
 * `null` value (Deno checked the whole kind, e.g. `Deno.env.toObject()`)
 * becomes `undefined`. Lines that are blank, not JSON (such as a last line
 * still being written) or without a `permission` name are skipped, so the
 * file can be read while the program runs; the record's version is not
 * checked, so a later format with the same fields still reads.
 *
 * @param text The file's text, whole or in part.
 * @returns One access per record, in the file's order, duplicates kept.
 *
 * @example Read an audit log cut off mid-line
 * ```ts
 * import { parseAuditLines } from "@sandplug/host";
 * import assert from "node:assert/strict";
 *
 * const text = '{"v":1,"permission":"env","value":"HOME"}\n' +
 *   '{"v":1,"permission":"env","value":null}\n' +
 *   '{"v":1,"permission":"net","val';
 * assert.deepEqual(parseAuditLines(text), [
 *   { kind: "env", value: "HOME" },
 *   { kind: "env", value: undefined },
 * ]);
 * ```
 */
export function parseAuditLines(text: string): Access[] {
  if (typeof text !== "string") {
    throw new TypeError(
      `Cannot parse the permission audit: the text must be a string; current value is ${typeof text}`,
    );
  }
  const accesses: Access[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(trimmed);
    } catch {
      continue;
    }
    if (typeof record !== "object" || record === null) continue;
    const { permission, value } = record as { permission?: unknown; value?: unknown };
    if (typeof permission !== "string" || permission === "") continue;
    if (value !== undefined && value !== null && typeof value !== "string") continue;
    accesses.push({ kind: permission, value: value ?? undefined });
  }
  return accesses;
}
