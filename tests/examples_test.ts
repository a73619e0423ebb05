/**
 * The examples users copy run as written: each is started as its own
 * `deno run` with exactly the flags of its `deno.json` task (the ones its
 * `Run:` line and the README show), off a terminal and on one, and prints
 * what it promises.
 */
import assert from "node:assert/strict";
import { createHost } from "../mod.ts";
import { counterV1 } from "../plugins/counter/contract.ts";
import { fromFileUrl } from "../src/load/file_url.ts";

const ROOT = fromFileUrl(new URL("..", import.meta.url).href);
const TASKS: Record<string, string> = JSON.parse(
  await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
).tasks;

/** Its first run may fetch the package from the npm registry. */
const TIMEOUT_MS = 120_000;

const HAS_SCRIPT = await new Deno.Command("script", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
}).output().then((output) => output.success, () => false);

/** The `deno` arguments of a task that is one plain `deno …` command. */
function taskArgs(name: string): string[] {
  const [deno, ...args] = TASKS[name].split(" ");
  assert.equal(deno, "deno", `task ${name} should be one plain deno command: ${TASKS[name]}`);
  return args;
}

/** Runs `deno <args>` from the repository's root; on a terminal of its own (`script`) if asked. */
async function run(args: string[], terminal: boolean): Promise<{ code: number; out: string }> {
  // On a terminal, `script` runs the same command line under a pseudo-terminal.
  const [program, programArgs] = terminal
    ? ["script", ["-qec", [Deno.execPath(), ...args].join(" "), "/dev/null"]]
    : [Deno.execPath(), args];
  const command = new Deno.Command(program, {
    args: programArgs,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const output = await command.output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).replaceAll("\r", "");
  return { code: output.code, out: decode(output.stdout) + decode(output.stderr) };
}

for (const name of ["markdown", "bidirectional", "stream"]) {
  Deno.test(`examples/${name}.ts is run by demo:${name}, demo and its Run: line alike`, async () => {
    const command = TASKS[`demo:${name}`];
    assert.match(command, new RegExp(`examples/${name}\\.ts$`));
    assert.ok(TASKS.demo.split(" && ").includes(command), `demo should run: ${command}`);
    const source = await Deno.readTextFile(new URL(`../examples/${name}.ts`, import.meta.url));
    assert.ok(source.includes(`Run: ${command}\n`), `its Run: line should read: ${command}`);
  });
}

for (const terminal of [false, true]) {
  Deno.test({
    name: `examples/markdown.ts renders Markdown with npm:marked in the process tier ${
      terminal ? "on a terminal" : "off a terminal"
    }`,
    ignore: terminal && !HAS_SCRIPT,
    async fn() {
      const { code, out } = await run(taskArgs("demo:markdown"), terminal);
      assert.equal(code, 0, out);
      assert.doesNotMatch(out, /Deno requests|Allow\? \[y\/n/);
      assert.match(out, /loaded "markdown" in the process tier/);
      // The exact version installed, within the major plugin.json declares.
      assert.match(out, /packages: \["npm:marked@18\.\d+\.\d+"\]/);
      assert.match(out, /<h1>Release notes<\/h1>/);
      assert.match(out, /<strong>import npm packages<\/strong>/);
      assert.match(out, /<li>runs in the <del>worker<\/del> process tier<\/li>/);
      // The host set the plugin's options variable: line breaks became <br>.
      assert.match(out, /<p>One line<br>and the next<\/p>/);
    },
  });
}

for (const terminal of [false, true]) {
  Deno.test({
    name: `examples/bidirectional.ts prints go-plugin's sequence ${
      terminal ? "on a terminal" : "off a terminal"
    }`,
    ignore: terminal && !HAS_SCRIPT,
    async fn() {
      const { code, out } = await run(taskArgs("demo:bidirectional"), terminal);
      assert.equal(code, 0, out);
      // go-plugin's README: put hello 1, put hello 1, get hello → 2.
      assert.equal(
        out,
        [
          'loaded "counter" in the process tier',
          'host functions: ["sum"]',
          "",
          "$ ./counter put hello 1",
          "$ ./counter put hello 1",
          "$ ./counter get hello",
          "2",
          "",
        ].join("\n"),
      );
    },
  });
}

Deno.test("plugins/counter leaves every sum to the host's sum(), one put after another", async () => {
  await using host = createHost();
  const sums: number[][] = [];
  const counter = await host.load(new URL("../plugins/counter", import.meta.url), {
    contract: counterV1,
    // Off by 100: the totals show whose sum the plugin stored.
    provide: { sum: (a: number, b: number) => (sums.push([a, b]), a + b + 100) },
  });
  const put = counter.lookup("put");
  // Started together: each put must read the total the one before stored.
  await Promise.all([put("hello", 1), put("hello", 2), put("world", 5)]);
  assert.deepEqual(sums, [[0, 1], [101, 2], [0, 5]]);
  assert.equal(await counter.lookup("get")("hello"), 203);
  assert.equal(await counter.lookup("get")("never"), 0);
});

Deno.test("plugins/counter is refused, naming sum, when the host does not provide it", async () => {
  await using host = createHost();
  await assert.rejects(host.load(new URL("../plugins/counter", import.meta.url)), /"sum"/);
});

for (const terminal of [false, true]) {
  Deno.test({
    name: `examples/stream.ts stops a plugin's stream after 5 records, its finally run, ${
      terminal ? "on a terminal" : "off a terminal"
    }`,
    ignore: terminal && !HAS_SCRIPT,
    async fn() {
      const { code, out } = await run(taskArgs("demo:stream"), terminal);
      assert.equal(code, 0, out);
      assert.doesNotMatch(out, /Deno requests|Allow\? \[y\/n/);
      assert.match(out, /loaded "records" in the process tier/);
      assert.match(out, /granted read: \["\/tmp\/sandplug-records"\]/);
      // The log is written from a fixed seed: its first records are always these, and only these.
      assert.match(
        out,
        new RegExp(
          [
            "#1 2025-01-01T00:00:00.000Z GET    /api/orders/90220  204 371 ms",
            "#2 2025-01-01T00:00:00.250Z DELETE /api/orders/59782  200 11 ms",
            "#3 2025-01-01T00:00:00.500Z DELETE /api/orders/81754  200 184 ms",
            "#4 2025-01-01T00:00:00.750Z POST   /api/orders/11461  200 55 ms",
            "#5 2025-01-01T00:00:01.000Z DELETE /api/orders/71127  200 114 ms",
          ].join("\n").replaceAll(".", "\\."),
        ),
      );
      assert.doesNotMatch(out, /^#6 /m);
      assert.match(out, /the plugin's finally ran \(files opened 1, closed 1\)/);
      // Backpressure: 5 read, and the plugin pulled at most the window of 16 past them.
      const parsed = Number(out.match(/it parsed (\d+) records/)?.[1]);
      assert.ok(parsed >= 5 && parsed <= 5 + 16, `parsed ${parsed}`);
      // A few chunks of a file of tens of MiB.
      assert.match(out, /and read \d+ KiB of \d+\.\d MiB/);
    },
  });
}

Deno.test("examples/hot_reload.ts is run by demo:hot-reload, demo and its Run: line alike", async () => {
  const command = TASKS["demo:hot-reload"];
  assert.match(command, /examples\/hot_reload\.ts$/);
  assert.ok(TASKS.demo.split(" && ").includes(command), `demo should run: ${command}`);
  const source = await Deno.readTextFile(new URL("../examples/hot_reload.ts", import.meta.url));
  assert.ok(source.includes(`Run: ${command}\n`), `its Run: line should read: ${command}`);
});

for (const terminal of [false, true]) {
  Deno.test({
    name: `examples/hot_reload.ts swaps 1.0.0 → 1.1.0 → 1.2.0 under calls, none failed, and is ` +
      `refused a widening 1.3.0, ${terminal ? "on a terminal" : "off a terminal"}`,
    ignore: terminal && !HAS_SCRIPT,
    async fn() {
      const plugin = new URL("../plugins/polyglot/", import.meta.url);
      const files = () =>
        Promise.all(["plugin.json", "mod.ts"].map((f) => Deno.readTextFile(new URL(f, plugin))));
      const before = await files();
      const { code, out } = await run(taskArgs("demo:hot-reload"), terminal);
      assert.equal(code, 0, out);
      const lines = out.trimEnd().split("\n");
      const expected = [
        /^loaded "polyglot" 1\.0\.0 in the process tier$/,
        /^calling greet\("Ada"\) every 2 ms, without waiting for replies$/,
        /^reloaded 1\.0\.0 → 1\.1\.0 in \d+ ms, permissions unchanged$/,
        /^now serving 1\.1\.0 after (\d+) calls: "Bonjour, Ada!"$/,
        /^1\.0\.0 finished its calls in flight and was closed$/,
        /^reloaded 1\.1\.0 → 1\.2\.0 in \d+ ms, permissions unchanged$/,
        /^now serving 1\.2\.0 after (\d+) calls: "Hola, Ada!"$/,
        /^1\.1\.0 finished its calls in flight and was closed$/,
        /^refused 1\.2\.0 → 1\.3\.0: UpgradeRefusedError \(widens\), diff:$/,
        /^ {2}net: \+example\.com:443 \(widens\)$/,
        /^still serving 1\.2\.0: it answered (\d+) of the (\d+) calls since$/,
        /^(\d+) calls: 1\.0\.0 answered (\d+), 1\.1\.0 answered (\d+), 1\.2\.0 answered (\d+)$/,
        /^failed calls: 0$/,
      ];
      assert.equal(lines.length, expected.length, out);
      const numbers = lines.map((line, i) => {
        const match = line.match(expected[i]);
        assert.ok(match, `line ${i + 1} should match ${expected[i]}: ${out}`);
        return match.slice(1).map(Number);
      });
      const [[to11], [to12], [since, sinceTotal], [total, by10, by11, by12]] = [
        numbers[3],
        numbers[6],
        numbers[10],
        numbers[11],
      ];
      // Every call made before a swap went to the old version, every one after it to the new.
      assert.deepEqual([by10, by11, by12], [to11, to12 - to11, total - to12], out);
      assert.ok(since > 0 && since === sinceTotal, out);
      // It edited a copy, never the repository's plugin.
      assert.deepEqual(await files(), before);
    },
  });
}

Deno.test("examples/scheduler.ts is run by demo:scheduler, demo and its Run: line alike", async () => {
  const command = TASKS["demo:scheduler"];
  assert.match(command, /examples\/scheduler\.ts$/);
  assert.ok(TASKS.demo.split(" && ").includes(command), `demo should run: ${command}`);
  const source = await Deno.readTextFile(new URL("../examples/scheduler.ts", import.meta.url));
  assert.ok(source.includes(`Run: ${command}\n`), `its Run: line should read: ${command}`);
});

for (const terminal of [false, true]) {
  Deno.test({
    name: `examples/scheduler.ts places 50 pods on 100 nodes with plugins in two tiers and ` +
      `prints their metrics, ${terminal ? "on a terminal" : "off a terminal"}`,
    ignore: terminal && !HAS_SCRIPT,
    async fn() {
      const { code, out } = await run(taskArgs("demo:scheduler"), terminal);
      assert.equal(code, 0, out);
      assert.doesNotMatch(out, /Deno requests|Allow\? \[y\/n/);
      const lines = out.trimEnd().split("\n");
      assert.deepEqual(lines.slice(0, 4), [
        'loaded "qos-sort" 1.0.0 in the process tier',
        'loaded "taint-toleration" 1.0.0 in the process tier',
        'loaded "pod-spread" 1.0.0 in the process tier',
        'loaded "node-resources-fit" 1.0.0 in the inline tier',
      ]);
      const first = lines.indexOf("placements, in queue order:") + 2; // after its header
      const placements = lines.slice(first, first + 50);
      const placement = new RegExp(
        "^ {2}[a-z]+-\\d +(\\d+) (Guaranteed|Burstable|BestEffort) +" +
          "(→ node-\\d\\d {2}score +[\\d.]+ = 2×\\d+ node-resources-fit \\+ 1×\\d+ pod-spread " +
          "of \\d+ nodes|unschedulable: .+)$",
      );
      const priorities = placements.map((line) => Number(line.match(placement)?.[1] ?? NaN));
      // The QoS queue sort: every pod, highest priority first.
      assert.deepEqual(priorities, [...priorities].sort((a, b) => b - a), out);
      assert.equal(
        placements[0], // ties of priority and class come last-queued first
        "  db-9      1000 Guaranteed → node-00  score 300.0 = 2×100 node-resources-fit + " +
          "1×100 pod-spread of 80 nodes",
      );
      assert.ok(
        placements.includes(
          "  train-9     10 Burstable  unschedulable: 25 × Insufficient cpu; " +
            "75 × Insufficient cpu, Insufficient memory",
        ),
        out,
      );
      assert.equal(lines[first + 50], "placed 45 of 50 pods on 35 nodes");
      // The metrics table, its timings aside: one sort, 50 filter runs, 45 score runs.
      const rows = lines.slice(lines.findIndex((line) => line.startsWith("point ")) + 1);
      assert.deepEqual(rows.map((row) => row.split(/ +/).slice(0, 7).join(" ")), [
        "queueSort qos-sort process 1 219 0 0",
        "filter node-resources-fit inline 50 5000 0 0",
        "filter taint-toleration process 45 3960 0 0",
        "score node-resources-fit inline 45 3560 0 0",
        "score pod-spread process 45 3560 0 0",
      ]);
      assert.ok(rows.every((row) => /( +\d+\.\d{3}){2}$/.test(row)), out);
    },
  });
}
