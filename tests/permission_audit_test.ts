/**
 * Tests of parseAuditLines(): the log Deno writes under
 * DENO_AUDIT_PERMISSIONS, read tolerantly, and learned from end to end.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseAuditLines } from "../src/permissions/audit.ts";
import { learnPermissions } from "../src/permissions/learn.ts";

Deno.test("parseAuditLines() reads Deno's records and skips junk and a partial last line", () => {
  const text = [
    '{"v":1,"datetime":"2026-01-01T00:00:00Z","permission":"read","value":"/etc/hostname"}',
    "",
    "not json at all",
    '{"v":1,"permission":"net","value":"127.0.0.1:9"}\r',
    "   ",
    '{"v":1,"permission":"env","value":null}',
    '{"v":1,"permission":"sys"}',
    "[1, 2]",
    "42",
    '{"v":1,"value":"no permission"}',
    '{"v":1,"permission":"","value":"x"}',
    '{"v":1,"permission":"read","value":7}',
    '{"v":2,"permission":"env","value":"HOME"}',
    '{"v":1,"permission":"write","value":"/tm',
  ].join("\n");
  assert.deepEqual(parseAuditLines(text), [
    { kind: "read", value: "/etc/hostname" },
    { kind: "net", value: "127.0.0.1:9" },
    { kind: "env", value: undefined },
    { kind: "sys", value: undefined },
    { kind: "env", value: "HOME" },
  ]);
  assert.deepEqual(parseAuditLines(""), []);
  assert.throws(() => parseAuditLines(undefined as unknown as string), {
    name: "TypeError",
    message: /the text must be a string; current value is undefined/,
  });
});

Deno.test("parseAuditLines() reads the log Deno writes for a real program", async () => {
  const folder = await Deno.makeTempDir({ prefix: "sandplug-audit-" });
  try {
    const log = join(folder, "audit.jsonl");
    const program = join(folder, "main.ts");
    await Deno.writeTextFile(
      program,
      `try { Deno.readTextFileSync(${JSON.stringify(join(folder, "data.txt"))}); } catch {}
      try { Deno.env.get("SANDPLUG_LEARN_TEST"); } catch {}
      try { Deno.hostname(); } catch {}`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", `--allow-read=${folder}`, program],
      env: { DENO_AUDIT_PERMISSIONS: log },
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    const accesses = parseAuditLines(await Deno.readTextFile(log));
    const learned = learnPermissions(folder, accesses, {
      ignore: (access) => access.kind === "read" && access.value === program,
    });
    assert.deepEqual(learned.permissions, {
      read: ["./data.txt"],
      env: ["SANDPLUG_LEARN_TEST"],
      sys: ["hostname"],
    });
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
