/**
 * plugins/records, the plugin of examples/stream.ts: it streams the parsed
 * lines of an NDJSON file in its read grant, whatever their chunking, and its
 * `finally` closes the file on every way out: the end, a bad line, a cancel.
 * (examples_test.ts runs the example itself.)
 */
import assert from "node:assert/strict";
import { createHost, PermissionDeniedError, PluginCallError, type Variable } from "../mod.ts";
import type { AccessRecord, RecordStats } from "../plugins/records/mod.ts";

const PLUGIN = new URL("../plugins/records", import.meta.url);
/** The folder plugins/records/plugin.json asks to read. */
const DATA_DIR = "/tmp/sandplug-records";

function line(id: number): string {
  return JSON.stringify({ id, time: "t", method: "GET", path: `/p/${id}`, status: 200, ms: 1 });
}

/** A file of the grant's folder for one test; removed by `Symbol.asyncDispose`. */
async function dataFile(text: string): Promise<{ path: string } & AsyncDisposable> {
  await Deno.mkdir(DATA_DIR, { recursive: true });
  const path = await Deno.makeTempFile({ dir: DATA_DIR, prefix: "test-", suffix: ".ndjson" });
  await Deno.writeTextFile(path, text);
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path) };
}

Deno.test("plugins/records is refused, naming its data folder, when the policy does not allow it", async () => {
  await using host = createHost();
  await assert.rejects(host.load(PLUGIN), (error: unknown) => {
    assert.ok(error instanceof PermissionDeniedError);
    assert.match(error.message, /\/tmp\/sandplug-records/);
    return true;
  });
});

for (const tier of ["process", "worker"] as const) {
  Deno.test(`${tier} tier: plugins/records streams a file's records and closes it on every way out`, async (t) => {
    await using host = createHost({ isolation: tier, allow: { read: [DATA_DIR] } });
    const p = await host.load(PLUGIN);
    const stats = p.lookup<Variable<RecordStats>>("stats");
    const ids = async (path: string) => {
      const seen: number[] = [];
      for await (const record of p.stream<AccessRecord>("records", [path])) seen.push(record.id);
      return seen;
    };

    await t.step("every record, past blank lines and a last line with no line break", async () => {
      // Lines longer than a read's chunk, too: a record split across chunks is joined.
      const long = JSON.stringify({ id: 3, path: "/" + "x".repeat(200_000) });
      await using file = await dataFile(`${line(1)}\n\n${line(2)}\r\n${long}\n${line(4)}`);
      assert.deepEqual(await ids(file.path), [1, 2, 3, 4]);
      assert.deepEqual(await stats.get(), {
        opened: 1,
        closed: 1,
        parsed: 4,
        bytesRead: (await Deno.stat(file.path)).size,
      });
    });

    await t.step(
      "a bad line errors the stream after the records before it; the file is closed",
      async () => {
        await using file = await dataFile(`${line(5)}\n${line(6)}\n{"id": oops}\n${line(8)}\n`);
        const seen: number[] = [];
        await assert.rejects(
          (async () => {
            for await (const record of p.stream<AccessRecord>("records", [file.path])) {
              seen.push(record.id);
            }
          })(),
          (error: unknown) => {
            assert.ok(error instanceof PluginCallError);
            assert.equal(error.remoteName, "SyntaxError");
            assert.match(error.message, /Cannot parse .*test-.*\.ndjson line 3: /);
            return true;
          },
        );
        assert.deepEqual(seen, [5, 6]);
        const { opened, closed } = await stats.get();
        assert.deepEqual({ opened, closed }, { opened: 2, closed: 2 });
      },
    );

    await t.step("a file outside its grant is denied, and nothing is left open", async () => {
      await assert.rejects(ids("/etc/hostname"), (error: unknown) => {
        assert.ok(error instanceof PluginCallError);
        assert.equal(error.remoteName, "NotCapable");
        return true;
      });
      const { opened, closed } = await stats.get();
      assert.deepEqual({ opened, closed }, { opened: 2, closed: 2 });
    });
  });
}
