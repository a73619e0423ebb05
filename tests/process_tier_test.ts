import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type HostEventDetail,
  PluginCallError,
  PluginCrashedError,
  PluginError,
  PluginLoadError,
  type PluginLogEntry,
  ValidationError,
  type Variable,
} from "@sandplug/host";
import { PluginHost } from "../src/host/host.ts";
import {
  decodeMessage,
  encodeMessage,
  FRAME_MAGIC,
  FrameDecoder,
  FramingError,
} from "../src/wire/framing.ts";
import { processArgs } from "../src/isolation/process/args.ts";
import { REAPER_SCRIPT } from "../src/isolation/process/reaper.ts";
import { sharedDenoDir } from "../src/isolation/process/deno_dir.ts";
import type { ProcessLogLine } from "../src/isolation/process/output.ts";
import {
  createProcessTier,
  type ProcessIsolate,
  processTier,
} from "../src/isolation/process/tier.ts";
import type { IsolateSpec, IsolationTier } from "../src/isolation/types.ts";
import type { HostMessage, LoadErrorMessage, PluginMessage } from "../src/wire/protocol.ts";
import { PROTOCOL_VERSION } from "../src/wire/protocol_version.ts";
import type { HostPolicy, PermissionGrant } from "../src/permissions/permissions.ts";
import { grantOf, tempPlugin } from "./_helpers.ts";

const MYPLUGIN = new URL("../plugins/myplugin", import.meta.url);
const linux = Deno.build.os === "linux";

/** A host on the process tier that records every child, so a test can await each one's end. */
interface ProcessHost extends AsyncDisposable {
  host: PluginHost;
  isolates: ProcessIsolate[];
  logs: ProcessLogLine[];
  /** What plugin code wrote with console.*, as the host's log sink received it. */
  entries: PluginLogEntry[];
  crashes: HostEventDetail[];
}

function processHost(
  allow: HostPolicy = {},
  { quiet = true, loadTimeoutMs }: { quiet?: boolean; loadTimeoutMs?: number } = {},
): ProcessHost {
  const logs: ProcessLogLine[] = [];
  const entries: PluginLogEntry[] = [];
  const isolates: ProcessIsolate[] = [];
  const crashes: HostEventDetail[] = [];
  const base = quiet ? createProcessTier({ log: (line) => logs.push(line) }) : processTier;
  const tier: IsolationTier = {
    name: base.name,
    enforces: base.enforces,
    start(spec, events) {
      const isolate = base.start(spec, events) as ProcessIsolate;
      isolates.push(isolate);
      return isolate;
    },
  };
  const host = new PluginHost({
    isolation: "process" as "worker",
    allow,
    loadTimeoutMs,
    log: quiet ? (entry) => entries.push(entry) : undefined,
  }, { process: tier });
  host.addEventListener("crash", (event) => {
    crashes.push((event as CustomEvent<HostEventDetail>).detail);
  });
  return {
    host,
    isolates,
    logs,
    entries,
    crashes,
    async [Symbol.asyncDispose]() {
      await host.close();
      await Promise.all(isolates.map((isolate) => isolate.terminate()));
    },
  };
}

/** Whether a process runs (a zombie, dead but not yet reaped by init, does not). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(Deno.readTextFileSync(`/proc/${pid}/status`));
  } catch {
    return false;
  }
}

const FIXTURE = `
import { variable } from "@sandplug/host/plugin";
export const counter = variable(1);
export function add(a: number, b: number): number { return a + b; }
export function echo(value: unknown): unknown { return value; }
export function describe(value: unknown): string {
  return Object.prototype.toString.call(value);
}
export function fail(): never { throw new RangeError("out of range"); }
export function unclonable(): unknown { return { f: () => 1 }; }
export function exit(code: number): void { Deno.exit(code); }
export function killSelf(): void { Deno.kill(Deno.pid, "SIGKILL"); }
export function crashSoon(): string {
  setTimeout(() => { throw new Error("async boom"); }, 5);
  return "scheduled";
}
export function hang(): Promise<never> { return new Promise(() => {}); }
let held: unknown;
export function keep(value: unknown): void { held = value; }
export function kept(): unknown { return held; }
export function spin(): never { for (;;) { /* busy */ } }
`;

Deno.test("the process tier runs the Go example plugin with only its own folder readable", async () => {
  await using ctx = processHost({}, { quiet: false });
  const t0 = performance.now();
  const p = await ctx.host.load(MYPLUGIN);
  const loadMs = performance.now() - t0;
  assert.equal(p.isolation, "process");
  assert.deepEqual(p.permissions.read, [p.dir]);
  assert.deepEqual(p.symbols.map((symbol) => symbol.name), [
    "Describe",
    "KnownPluginFunction",
    "PluginInputNumber",
  ]);
  await p.lookup<Variable<number>>("PluginInputNumber").set(7);
  assert.equal(
    await p.lookup<() => string>("Describe")(),
    "My custom code prints PluginInputNumber: 7",
  );
  assert.ok(loadMs < 5_000, `loading took ${loadMs} ms`);
});

Deno.test("processArgs() compiles the grant into deno flags and nothing more", async (t) => {
  const spec = (grant: Partial<PermissionGrant>, memoryMb?: number): IsolateSpec => ({
    plugin: "p",
    dir: "/plugins/p",
    entry: "file:///plugins/p/mod.ts",
    grant: grantOf("/plugins/p", grant),
    manifest: { limits: { memoryMb } } as unknown as IsolateSpec["manifest"],
    maxMessageBytes: 64 * 1024 * 1024,
  });

  await t.step("a plugin granted nothing reads its folder and is denied every other kind", () => {
    const args = processArgs(spec({}));
    assert.deepEqual(args.slice(0, -2), [
      "run",
      "--no-config",
      "--no-lock",
      "--no-npm",
      "--no-prompt",
      "--no-remote",
      "--cached-only",
      "--allow-read=/plugins/p",
      "--deny-write",
      "--deny-net",
      "--deny-env",
      "--deny-run",
      "--deny-ffi",
      "--deny-sys",
      "--deny-import",
    ]);
    assert.match(args.at(-2)!, /^--import-map=data:application\/json,/);
    assert.match(args.at(-1)!, /^file:\/\/.*\/src\/runtime\/process_main\.ts$/);
  });

  await t.step("items are comma-joined; a memory limit caps the V8 heap", () => {
    const args = processArgs(spec({ net: ["a.example:443", "b.example"], env: ["APP_*"] }, 64));
    assert.ok(args.includes("--allow-net=a.example:443,b.example"));
    assert.ok(args.includes("--allow-env=APP_*"));
    assert.ok(args.includes("--v8-flags=--max-old-space-size=64"));
  });

  await t.step("the parent watchdog is an argument of the trusted entry module", () => {
    assert.equal(processArgs(spec({}), { watchParent: true }).at(-1), "--sandplug-watch-parent");
  });

  await t.step(
    "denied folders are carved out of read and write grants, which could cover them",
    () => {
      const deny = ["/tmp/sandplug-x", "/private/tmp/sandplug-x"];
      const args = processArgs(spec({ write: ["/tmp"], net: ["a.example"] }), { deny });
      assert.ok(args.includes("--allow-read=/plugins/p"));
      assert.ok(args.includes("--deny-read=/tmp/sandplug-x,/private/tmp/sandplug-x"));
      assert.ok(args.includes("--allow-write=/tmp"));
      assert.ok(args.includes("--deny-write=/tmp/sandplug-x,/private/tmp/sandplug-x"));
      assert.ok(args.includes("--allow-net=a.example"));
      assert.ok(!args.some((arg) => arg.startsWith("--deny-net=")));
      const none = processArgs(spec({}), { deny });
      assert.ok(
        none.includes("--deny-write") && !none.some((arg) => arg.startsWith("--deny-write=")),
      );
    },
  );

  await t.step("a granted import allows remote modules (none may be cached yet)", () => {
    const args = processArgs(spec({ import: ["jsr.io"] }));
    assert.ok(args.includes("--allow-import=jsr.io"));
    assert.ok(!args.includes("--no-remote"));
    assert.ok(!args.includes("--cached-only"));
  });

  await t.step("a plugin's packages: the set's config, cache-only, never remote", () => {
    const packages = {
      config: "/tmp/set/deno.json",
      exact: ["npm:left-pad@1.3.0"],
      jsr: false,
      integrity: {},
    };
    const args = processArgs(spec({ imports: ["npm:left-pad@1.3.0"] }), { packages });
    assert.ok(args.includes("--config=/tmp/set/deno.json"));
    assert.ok(args.includes("--cached-only") && args.includes("--no-remote"));
    assert.ok(!args.includes("--no-npm") && !args.includes("--no-config"));
    assert.ok(args.includes("--deny-import"));
  });

  await t.step("packages and remote modules together: PluginLoadError naming both", () => {
    const packages = {
      config: "/tmp/set/deno.json",
      exact: ["npm:left-pad@1.3.0"],
      jsr: false,
      integrity: {},
    };
    assert.throws(
      () =>
        processArgs(spec({ imports: ["npm:left-pad@1.3.0"], import: ["esm.sh"] }), { packages }),
      /imports both packages and remote modules \(esm\.sh\)/,
    );
  });

  await t.step("an item holding a comma cannot be a flag: PluginLoadError naming it", () => {
    assert.throws(() => processArgs(spec({ write: ["/tmp/a,b"] })), (error: unknown) => {
      assert.ok(error instanceof PluginLoadError);
      assert.match(error.message, /write grant "\/tmp\/a,b" holds a comma/);
      return true;
    });
  });
});

Deno.test("values, errors and unclonable values cross the process boundary like postMessage", async (t) => {
  await using fixture = await tempPlugin({}, FIXTURE);
  await using ctx = processHost();
  const p = await ctx.host.load(fixture.dir);

  await t.step("structured-clone values round-trip", async () => {
    const value = {
      missing: undefined,
      bytes: new Uint8Array([1, 2, 255]),
      map: new Map<unknown, unknown>([[1, "one"], ["set", new Set([2n])]]),
      when: new Date(0),
      nested: [null, -0, Number.NaN, { deep: "yes" }],
      error: new TypeError("carried"),
    };
    const back = await p.call("echo", [value]) as typeof value;
    assert.deepEqual(back, value);
    assert.ok(back.bytes instanceof Uint8Array);
    assert.ok(back.error instanceof TypeError);
    assert.ok("missing" in back);
    assert.equal(await p.call("describe", [new Uint8Array(1)]), "[object Uint8Array]");
    assert.equal(await p.call("echo", [undefined]), undefined);
  });

  await t.step("bytes a plugin keeps stay intact while later messages arrive", async () => {
    await p.call("keep", [{ bytes: new Uint8Array([1, 2, 3]) }]);
    await p.call("echo", [new Uint8Array(1024).fill(0xee)]);
    assert.deepEqual(await p.call("kept"), { bytes: new Uint8Array([1, 2, 3]) });
  });

  await t.step("a variable keeps its value between requests", async () => {
    const counter = p.lookup<Variable<number>>("counter");
    await counter.set(41);
    assert.equal(await counter.get(), 41);
  });

  await t.step("a thrown error is a PluginCallError with the remote name and message", async () => {
    await assert.rejects(p.call("fail"), (error: unknown) => {
      assert.ok(error instanceof PluginCallError);
      assert.equal(error.remoteName, "RangeError");
      assert.equal(error.remoteMessage, "out of range");
      assert.match(error.remoteStack ?? "", /mod\.ts/);
      return true;
    });
  });

  await t.step("an unclonable argument is a ValidationError naming it", async () => {
    await assert.rejects(p.call("add", [1, () => 2]), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.path, "args[1]");
      assert.match(error.message, /cannot be sent to the plugin/);
      return true;
    });
  });

  await t.step("an unclonable result is an error reply, not a hang", async () => {
    await assert.rejects(p.call("unclonable"), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.path, "result.f");
      assert.match(error.message, /cannot be sent to the host/);
      return true;
    });
  });

  await t.step("the plugin still answers, in order, under concurrency", async () => {
    const sums = await Promise.all(Array.from({ length: 50 }, (_, i) => p.call("add", [i, i])));
    assert.deepEqual(sums, Array.from({ length: 50 }, (_, i) => 2 * i));
  });

  await t.step("a large message crosses", async () => {
    const big = new Uint8Array(8 * 1024 * 1024).fill(7);
    const back = await p.call("echo", [big]) as Uint8Array;
    assert.equal(back.length, big.length);
    assert.equal(back[back.length - 1], 7);
  });
});

Deno.test("a plugin granted nothing is denied everything but reading its folder", async (t) => {
  await using fixture = await tempPlugin(
    {},
    `
    export function readOwn(): string { return Deno.readTextFileSync(new URL("./plugin.json", import.meta.url)); }
    export function readOutside(path: string): string { return Deno.readTextFileSync(path); }
    export function writeOwn(path: string): void { Deno.writeTextFileSync(path, "x"); }
    // Reading a variable outside the grant gives undefined (tests/env_probe_test.ts); writing throws.
    export function env(): void { Deno.env.set("HOME", "/tmp"); }
    export async function net(): Promise<void> { (await Deno.connect({ hostname: "127.0.0.1", port: 80 })).close(); }
    export async function fetchLocal(): Promise<void> { await fetch("http://127.0.0.1:80/"); }
    // An absolute path: with the cleared environment there is no PATH, and a bare name is NotFound first.
    export function run(): void { new Deno.Command(Deno.execPath(), { args: ["--version"] }).outputSync(); }
    export function sys(): string { return Deno.hostname(); }
    export async function importFile(path: string): Promise<unknown> { return await import(path); }
    export function stdin(): Promise<number | null> { return Deno.stdin.read(new Uint8Array(8)); }
    `,
  );
  await Deno.writeTextFile(join(fixture.parent, "secret.txt"), "secret");
  await Deno.writeTextFile(join(fixture.parent, "outside.ts"), "export const secret = 1;");
  await using ctx = processHost();
  const p = await ctx.host.load(fixture.dir);
  assert.match(await p.call("readOwn") as string, /test-plugin/);
  // Deno reports a denied module load as a TypeError, everything else as NotCapable.
  const cases: [string, unknown[], string, RegExp][] = [
    ["readOutside", [join(fixture.parent, "secret.txt")], "NotCapable", /read access/],
    ["writeOwn", [join(fixture.dir, "new.txt")], "NotCapable", /write access/],
    ["env", [], "NotCapable", /env access to "HOME"/],
    ["net", [], "NotCapable", /net access to "127\.0\.0\.1:80"/],
    ["fetchLocal", [], "NotCapable", /net access to "127\.0\.0\.1:80"/],
    ["run", [], "NotCapable", /run access/],
    ["sys", [], "NotCapable", /sys access to "hostname"/],
    [
      "importFile",
      [new URL("file://" + join(fixture.parent, "outside.ts")).href],
      "TypeError",
      /Requires read access to ".*outside\.ts"/,
    ],
  ];
  for (const [name, args, remoteName, message] of cases) {
    await t.step(`${name} is refused`, async () => {
      await assert.rejects(p.call(name, args), (error: unknown) => {
        assert.ok(error instanceof PluginCallError, String(error));
        assert.equal(error.remoteName, remoteName);
        assert.match(error.remoteMessage, message);
        return true;
      });
    });
  }
  await t.step("stdin reads nothing and the protocol survives", async () => {
    assert.equal(await p.call("stdin"), null);
    assert.match(await p.call("readOwn") as string, /test-plugin/);
  });
});

/**
 * Starts the process tier directly, without the host's own checks before
 * loading (which refuse literal imports that leave the folder), and returns
 * the handshake's answer: what the child's flags alone enforce.
 */
async function handshake(dir: string): Promise<PluginMessage | { type: "exited"; reason: string }> {
  const spec: IsolateSpec = {
    plugin: "raw",
    dir,
    entry: new URL("file://" + join(dir, "mod.ts")).href,
    manifest: { limits: {} } as IsolateSpec["manifest"],
    grant: grantOf(dir),
    maxMessageBytes: 1 << 20,
  };
  const answer = Promise.withResolvers<PluginMessage | { type: "exited"; reason: string }>();
  const isolate = createProcessTier({ log() {} }).start(spec, {
    message: answer.resolve,
    exit: (reason) => answer.resolve({ type: "exited", reason }),
  }) as ProcessIsolate;
  isolate.send({
    type: "init",
    protocol: PROTOCOL_VERSION,
    plugin: "raw",
    entry: spec.entry,
    maxMessageBytes: 1 << 20,
  } as HostMessage);
  try {
    return await answer.promise;
  } finally {
    await isolate.terminate();
  }
}

Deno.test("the child's flags check the plugin's whole module graph", async (t) => {
  const cases: [string, string, RegExp | undefined][] = [
    [
      "a static import of a file outside its folder",
      `import "../outside.ts";`,
      /TypeError: Requires read access to ".*outside\.ts"/,
    ],
    [
      "a literal dynamic import of a file outside its folder",
      `await import("../outside.ts");`,
      /TypeError: Requires read access to ".*outside\.ts"/,
    ],
    [
      "a computed import of a file outside its folder",
      `await import(["..", "outside.ts"].join("/"));`,
      /TypeError: Requires read access to ".*outside\.ts"/,
    ],
    [
      "a static import of a remote module",
      `import "https://example.com/mod.ts";`,
      /TypeError: Requires import access to "example\.com:443"/,
    ],
    ["an npm: import", `import "npm:left-pad@1.3.0";`, /npm/],
    [
      "a data: module that imports a file outside its folder",
      `await import("data:text/javascript,import '" + new URL("../outside.ts", import.meta.url) + "';");`,
      /TypeError: Requires read access to ".*outside\.ts"/,
    ],
    [
      "a literal data: module (Deno does not gate data: URLs under --no-remote and --deny-import)",
      `const m = await import("data:text/javascript,export default 1"); if (m.default !== 1) throw 0;`,
      undefined,
    ],
    [
      "a computed data: module (likewise)",
      `await import("data:text/javascript,export default " + 2);`,
      undefined,
    ],
    [
      "the plugin SDK through the import map, though its file lies outside the folder",
      `import { variable } from "@sandplug/host/plugin"; export const v = variable(1);`,
      undefined,
    ],
  ];
  for (const [name, code, refused] of cases) {
    await t.step(`${name}: ${refused ? "refused" : "loads"}`, async () => {
      await using fixture = await tempPlugin({}, code);
      await Deno.writeTextFile(join(fixture.parent, "outside.ts"), "export const secret = 1;");
      const answer = await handshake(fixture.dir);
      if (refused === undefined) {
        assert.equal(answer.type, "ready", JSON.stringify(answer));
      } else {
        assert.equal(answer.type, "load-error", JSON.stringify(answer));
        const error = (answer as LoadErrorMessage).error;
        assert.match(`${error.name}: ${error.message}`, refused);
      }
    });
  }
});

Deno.test("host.load() on the process tier refuses a plugin whose graph leaves its folder", async () => {
  await using fixture = await tempPlugin({}, `import "../outside.ts";`);
  await Deno.writeTextFile(join(fixture.parent, "outside.ts"), "export const secret = 1;");
  await using ctx = processHost();
  await assert.rejects(ctx.host.load(fixture.dir), (error: unknown) => {
    assert.ok(error instanceof PluginError);
    assert.match(error.message, /outside\.ts/);
    return true;
  });
});

Deno.test("plugin code that ends its process crashes only its plugin", async (t) => {
  await using fixture = await tempPlugin({}, FIXTURE);
  await using ctx = processHost();
  const witness = await ctx.host.load(fixture.dir);

  await t.step("Deno.exit(3) in a call is a PluginCrashedError naming code 3", async () => {
    const p = await ctx.host.load(fixture.dir);
    const pending = p.call("hang");
    await assert.rejects(p.call("exit", [3]), (error: unknown) => {
      assert.ok(error instanceof PluginCrashedError);
      assert.match(error.reason, /exited with code 3/);
      return true;
    });
    await assert.rejects(pending, PluginCrashedError);
    assert.equal(p.closed, true);
    assert.equal(ctx.crashes.at(-1)?.plugin, "test-plugin");
  });

  await t.step("Deno.kill(Deno.pid, SIGKILL) kills only the child", async () => {
    const p = await ctx.host.load(fixture.dir);
    await assert.rejects(p.call("killSelf"), (error: unknown) => {
      assert.ok(error instanceof PluginCrashedError);
      assert.match(error.reason, /killed by SIGKILL/);
      return true;
    });
  });

  await t.step("an uncaught error outside a call names the error", async () => {
    const p = await ctx.host.load(fixture.dir);
    const pending = p.call("hang");
    assert.equal(await p.call("crashSoon"), "scheduled");
    await assert.rejects(pending, (error: unknown) => {
      assert.ok(error instanceof PluginCrashedError);
      assert.match(error.reason, /exited with code 1; last output: error: Uncaught.*async boom/);
      return true;
    });
  });

  await t.step("Deno.exit() while loading is a PluginLoadError", async () => {
    await using exiting = await tempPlugin({}, `Deno.exit(5);`);
    await assert.rejects(ctx.host.load(exiting.dir), (error: unknown) => {
      assert.ok(error instanceof PluginLoadError);
      assert.match(error.message, /its isolate ended while loading: .*exited with code 5/);
      return true;
    });
  });

  await t.step("the host and the other plugin still answer", async () => {
    assert.equal(await witness.call("add", [1, 2]), 3);
    assert.equal(ctx.crashes.length, 3);
  });
});

Deno.test("plugin output never corrupts the protocol", async () => {
  await using fixture = await tempPlugin(
    {},
    `
    import { writeSync } from "node:fs";
    const encoder = new TextEncoder();
    export function chatty(): string {
      console.log("log line");
      console.info("info %s", "formatted");
      console.table([{ a: 1 }]);
      console.error("error line");
      Deno.stdout.writeSync(encoder.encode("raw stdout\\n"));
      Deno.stdout.writeSync(new Uint8Array([0x1e, 0x53, 0x50]));
      Deno.stdout.writeSync(encoder.encode("\\n"));
      return "still fine";
    }
    export async function chattyAsync(): Promise<string> {
      await Deno.stdout.write(encoder.encode("async stdout\\n"));
      return "async fine";
    }
    export function realStdout(): string {
      writeSync(1, "bypassed the redirect\\n");
      writeSync(1, new Uint8Array([0x1e, 0x53, 0x50, 0x0a]));
      return "raw fine";
    }
    export function add(a: number, b: number): number { return a + b; }
    `,
  );
  await using ctx = processHost();
  const p = await ctx.host.load(fixture.dir);
  assert.equal(await p.call("chatty"), "still fine");
  assert.equal(await p.call("chattyAsync"), "async fine");
  assert.equal(await p.call("realStdout"), "raw fine");
  assert.equal(await p.call("add", [2, 2]), 4);
  await p.close();
  await Promise.all(ctx.isolates.map((isolate) => isolate.terminate()));
  const stderr = ctx.logs.filter((line) => line.stream === "stderr").map((line) => line.text);
  const stdout = ctx.logs.filter((line) => line.stream === "stdout").map((line) => line.text);
  // console.* crosses as protocol log messages, keeping its level; raw writes arrive as lines.
  const levels = ctx.entries.map((entry) => `${entry.level}: ${entry.message}`);
  for (const line of ["log: log line", "info: info formatted", "error: error line"]) {
    assert.ok(levels.includes(line), `${line} in ${JSON.stringify(levels)}`);
  }
  assert.ok(ctx.entries.some((entry) => entry.message.includes("a: 1")));
  for (const line of ["raw stdout", "async stdout"]) {
    assert.ok(stderr.includes(line), `${line} in ${JSON.stringify(stderr)}`);
  }
  assert.ok(stderr.includes("\x1eSP"));
  assert.deepEqual(stdout, ["bypassed the redirect", "\x1eSP"]);
  assert.ok(ctx.logs.every((line) => line.plugin === "test-plugin"));
});

/**
 * The reaper processes of this module's hosts: children of this process
 * running `sandplug-reaper` for this module's DENO_DIR (`deno test
 * --parallel` runs other test modules in this same process).
 */
function reapers(): number[] {
  const root = sharedDenoDir().root;
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const args = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).split("\0");
      if (ppid === Deno.pid && args.includes("sandplug-reaper") && args.includes(root)) {
        if (alive(Number(entry.name))) found.push(Number(entry.name));
      }
    } catch {
      // it ended while we looked
    }
  }
  return found;
}

Deno.test("the child never outlives close(), even when it is busy", async (t) => {
  await using fixture = await tempPlugin({}, FIXTURE);
  await using ctx = processHost();

  await t.step(
    "host.close() reaps the child, and the last child takes the reaper along",
    async () => {
      const p = await ctx.host.load(fixture.dir);
      const q = await ctx.host.load(fixture.dir);
      const [one, two] = ctx.isolates.slice(-2);
      if (linux) {
        assert.ok(alive(one.pid) && alive(two.pid));
        assert.equal(reapers().length, 1, "one reaper for all of a host's children");
      }
      await p.close();
      await Promise.all([one.terminate(), one.terminate()]);
      if (linux) {
        assert.ok(!alive(one.pid), `process ${one.pid} is still alive`);
        assert.equal(reapers().length, 1, "the reaper stays while a child runs");
      }
      await q.close();
      await two.terminate();
      if (linux) assert.deepEqual(reapers(), [], "a closed host leaves no process behind");
    },
  );

  await t.step("a busy child is killed within the grace period", async () => {
    const p = await ctx.host.load(fixture.dir);
    const isolate = ctx.isolates.at(-1)!;
    const spinning = p.call("spin");
    spinning.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    const t0 = performance.now();
    await p.close();
    await isolate.terminate();
    const took = performance.now() - t0;
    await assert.rejects(spinning);
    assert.ok(took < 2_000, `terminate took ${took} ms`);
    if (linux) assert.ok(!alive(isolate.pid));
  });

  await t.step("no storage outlives a child: localStorage and caches are gone", async () => {
    await using storing = await tempPlugin(
      {},
      `
      export const kinds = () => [typeof localStorage, typeof caches, typeof BroadcastChannel];
    `,
    );
    const p = await ctx.host.load(storing.dir);
    assert.deepEqual(await p.call("kinds"), ["undefined", "undefined", "undefined"]);
    await p.close();
  });
});

Deno.test("the DENO_DIR a host's children share is closed to plugins", async (t) => {
  const tmp = Deno.env.get("TMPDIR") || "/tmp";
  await using fixture = await tempPlugin(
    { permissions: { read: [tmp], write: [tmp], env: ["DENO_DIR"] } },
    `
    import { Worker } from "node:worker_threads";
    export const denoDir = () => Deno.env.get("DENO_DIR");
    export const write = (path: string) => Deno.writeTextFileSync(path, "export default 1;");
    export const list = (path: string) => [...Deno.readDirSync(path)].length;
    /** A node:worker_threads worker gets fresh globals, caches included. */
    export function nestedCaches(): Promise<string> {
      const code = \`const { parentPort } = require("node:worker_threads");
        caches.open("x").then((c) => c.put("http://x/", new Response("y")))
          .then(() => parentPort.postMessage("stored"), (e) => parentPort.postMessage(String(e)));\`;
      const worker = new Worker(code, { eval: true });
      return new Promise((resolve) => worker.once("message", (m) => { worker.terminate(); resolve(m); }));
    }
    `,
  );
  await using ctx = processHost({ read: [tmp], write: [tmp], env: ["DENO_DIR"] });
  const p = await ctx.host.load(fixture.dir);
  const q = await ctx.host.load(fixture.dir);
  const denoDir = await p.call("denoDir") as string;

  await t.step("it is one folder per host, not the host's own", async () => {
    assert.equal(await q.call("denoDir"), denoDir);
    assert.notEqual(denoDir, Deno.env.get("DENO_DIR"));
    assert.match(denoDir, /sandplug-[^/]+\/deno_dir$/);
  });

  await t.step("a plugin granted the temp folder can neither write nor read it", async () => {
    const root = join(denoDir, "..");
    for (const path of [join(denoDir, "gen", "planted.js"), join(root, "planted.js")]) {
      await assert.rejects(p.call("write", [path]), /Requires write access/);
    }
    await assert.rejects(p.call("list", [denoDir]), /Requires read access/);
    const dotted = `${denoDir}/../../${root.split("/").at(-1)}/deno_dir`;
    await assert.rejects(p.call("list", [dotted]), /Requires read access/);
    // The carve-out leaves the rest of the grant alone.
    await p.call("write", [join(fixture.parent, "allowed.ts")]);
  });

  await t.step("no storage can be made in it, even from a nested worker", async () => {
    assert.match(await p.call("nestedCaches") as string, /Failed to create cache storage/);
  });
});

/**
 * Runs a host in its own process with one plugin loaded (and, if `spin`, busy
 * in a call), SIGKILLs that host, and reports whether the plugin's child
 * process was gone within `waitMs`, how it was watched, and whether the
 * DENO_DIR was removed. A child left running is killed here.
 */
async function orphanCheck(
  { spin, watchParent, narrow = false, waitMs }: {
    spin: boolean;
    watchParent: boolean;
    /** Run the host without permission to run /bin/sh, so that no reaper can start. */
    narrow?: boolean;
    waitMs: number;
  },
): Promise<{ gone: boolean; thread: boolean; dirRemoved: boolean }> {
  await using fixture = await tempPlugin({}, FIXTURE);
  const script = join(fixture.parent, "host.ts");
  const src = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
  await Deno.writeTextFile(
    script,
    `
    import { PluginHost } from ${src("../src/host/host.ts")};
    import { createProcessTier } from ${src("../src/isolation/process/tier.ts")};
    const base = createProcessTier({ log() {}, watchParent: ${watchParent} });
    let pid = 0;
    const tier = { name: "process", enforces: base.enforces, start(spec, events) { const i = base.start(spec, events); pid = i.pid; return i; } };
    const host = new PluginHost({ isolation: "process" }, { process: tier });
    const p = await host.load(${JSON.stringify(fixture.dir)});
    if (${spin}) { p.call("spin").catch(() => {}); await new Promise((r) => setTimeout(r, 100)); }
    console.log(\`ready \${pid}\`);
    await new Promise(() => {});
    `,
  );
  const repo = new URL("..", import.meta.url).pathname;
  const tmp = Deno.env.get("TMPDIR") || "/tmp";
  const permissions = narrow
    ? [
      "--no-prompt",
      `--allow-read=${repo},${fixture.parent}`,
      `--allow-write=${tmp}`,
      `--allow-run=${Deno.execPath()}`,
    ]
    : ["-A"];
  const hostProcess = new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, "--no-check", `--config=${repo}deno.json`, script],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = hostProcess.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!/ready \d+/.test(out)) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  const child = Number(/ready (\d+)/.exec(out)?.[1]);
  assert.ok(child > 0 && alive(child), `no live child in ${JSON.stringify(out)}`);
  const thread = (await Deno.readTextFile(`/proc/${child}/cmdline`)).includes(
    "--sandplug-watch-parent",
  );
  const environ = await Deno.readTextFile(`/proc/${child}/environ`);
  const denoDir = environ.split("\0").find((entry) => entry.startsWith("DENO_DIR="))?.slice(9);
  assert.ok(denoDir !== undefined && /sandplug-[^/]+\/deno_dir$/.test(denoDir), denoDir);
  const root = join(denoDir, "..");
  hostProcess.kill("SIGKILL");
  await reader.cancel();
  await hostProcess.status;
  const exists = () => Deno.stat(root).then(() => true, () => false);
  const deadline = Date.now() + waitMs;
  while (alive(child) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const gone = !alive(child);
  // The reaper removes the folder just after its kills.
  for (let tries = 0; gone && !thread && watchParent && await exists() && tries < 50; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (!gone) Deno.kill(child, "SIGKILL");
  const dirRemoved = !(await exists());
  // Without a reaper, nothing removes a SIGKILLed host's DENO_DIR: this test does.
  if (!dirRemoved) await Deno.remove(root, { recursive: true });
  return { gone, thread, dirRemoved };
}

Deno.test({
  name: "a child does not outlive a host that was SIGKILLed",
  ignore: !linux,
  async fn(t) {
    await t.step("an idle child exits when its stdin ends", async () => {
      const check = await orphanCheck({ spin: false, watchParent: false, waitMs: 3_000 });
      assert.ok(check.gone);
    });
    await t.step(
      "a busy child is killed by the host's reaper, which removes the DENO_DIR",
      async () => {
        const check = await orphanCheck({ spin: true, watchParent: true, waitMs: 3_000 });
        assert.deepEqual(check, { gone: true, thread: false, dirRemoved: true });
      },
    );
    await t.step(
      "a host that may not run /bin/sh gives each child a watchdog thread instead",
      async () => {
        const check = await orphanCheck({
          spin: true,
          watchParent: true,
          narrow: true,
          waitMs: 3_000,
        });
        assert.deepEqual({ gone: check.gone, thread: check.thread }, { gone: true, thread: true });
      },
    );
    await t.step(
      "without either, a busy child never sees stdin end (pinned gap)",
      async () => {
        const check = await orphanCheck({ spin: true, watchParent: false, waitMs: 700 });
        assert.deepEqual({ gone: check.gone, thread: check.thread }, {
          gone: false,
          thread: false,
        });
      },
    );
  },
});

/** Runs the reaper's script on its own, feeds it `input`, and waits for it to exit. */
async function runReaper(folder: string, input: string): Promise<Deno.CommandStatus> {
  const reaper = new Deno.Command("/bin/sh", {
    args: ["-c", REAPER_SCRIPT, "sandplug-reaper", folder, Deno.execPath()],
    clearEnv: true,
    stdin: "piped",
  }).spawn();
  const writer = reaper.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  return await reaper.status;
}

Deno.test({
  name: "the reaper signals only its host's children, and plugins cannot signal it",
  ignore: !linux,
  async fn(t) {
    await t.step(
      "a plugin granted nothing cannot kill the reaper (or any other process)",
      async () => {
        await using fixture = await tempPlugin(
          {},
          `export function kill(pid: number): void { Deno.kill(pid, "SIGKILL"); }
         export async function nodeKill(pid: number): Promise<void> {
           (await import("node:process")).default.kill(pid, "SIGKILL");
         }`,
        );
        await using ctx = processHost();
        const p = await ctx.host.load(fixture.dir);
        const [reaper] = reapers();
        assert.ok(reaper !== undefined, "a reaper runs while a child does");
        for (const name of ["kill", "nodeKill"]) {
          await assert.rejects(p.call(name, [reaper]), (error: unknown) => {
            assert.ok(error instanceof PluginCallError);
            assert.equal(error.remoteName, "NotCapable");
            assert.match(error.remoteMessage, /Requires run access/);
            return true;
          });
        }
        assert.ok(alive(reaper));
      },
    );

    await t.step(
      "at EOF it kills listed deno children only: not strangers, not released pids",
      async () => {
        const folder = await Deno.makeTempDir({ prefix: "sandplug-reaper-test-" });
        const idle = ["eval", "setTimeout(() => {}, 60_000)"];
        const stranger = new Deno.Command("sleep", { args: ["60"] }).spawn();
        const listed = new Deno.Command(Deno.execPath(), { args: idle }).spawn();
        const released = new Deno.Command(Deno.execPath(), { args: idle }).spawn();
        const status = await runReaper(
          folder,
          `+ ${stranger.pid}\n+ ${listed.pid}\n+ ${released.pid}\n- ${released.pid}\n`,
        );
        assert.equal(status.code, 0);
        assert.equal((await listed.status).signal, "SIGKILL");
        assert.ok(alive(stranger.pid), "a pid that runs another program is never signalled");
        assert.ok(alive(released.pid), "a released pid is never signalled");
        await assert.rejects(Deno.stat(folder), Deno.errors.NotFound);
        stranger.kill();
        released.kill();
        await Promise.all([stranger.status, released.status]);
      },
    );

    await t.step("after q it exits and kills nothing", async () => {
      const folder = await Deno.makeTempDir({ prefix: "sandplug-reaper-test-" });
      const listed = new Deno.Command(Deno.execPath(), {
        args: ["eval", "setTimeout(() => {}, 60_000)"],
      }).spawn();
      await runReaper(folder, `+ ${listed.pid}\nq\n`);
      assert.ok(alive(listed.pid));
      assert.ok((await Deno.stat(folder)).isDirectory);
      listed.kill();
      await listed.status;
      await Deno.remove(folder);
    });
  },
});

Deno.test("a host with narrow permissions runs the process tier, and is told what it lacks", async (t) => {
  await using scratch = await tempPlugin({});
  const script = join(scratch.parent, "host.ts");
  const src = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
  await Deno.writeTextFile(
    script,
    `
    import { PluginHost } from ${src("../src/host/host.ts")};
    import { processTier } from ${src("../src/isolation/process/tier.ts")};
    const host = new PluginHost({ isolation: "process" }, { process: processTier });
    try {
      const p = await host.load(${JSON.stringify(MYPLUGIN.pathname)});
      await p.lookup("PluginInputNumber").set(7);
      console.log(await p.call("Describe"));
    } catch (error) {
      console.log(String(error));
    } finally {
      await host.close();
    }
    `,
  );
  const repo = new URL("..", import.meta.url).pathname;
  const run = async (flags: string[]) => {
    const { stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", ...flags, `--config=${repo}deno.json`, script],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    return new TextDecoder().decode(stdout);
  };
  const read = `--allow-read=${repo},${scratch.parent}`;

  await t.step("read, run deno and write the temp folder are enough", async () => {
    const tmp = Deno.env.get("TMPDIR") || "/tmp";
    assert.equal(
      await run([read, `--allow-run=${Deno.execPath()}`, `--allow-write=${tmp}`]),
      "My custom code prints PluginInputNumber: 7\n",
    );
  });

  await t.step("without them the load fails naming the flags, before any prompt", async () => {
    assert.match(
      await run([read]),
      /PluginLoadError: .*the host may not start its process: run the host with --allow-run=\S+ --allow-write=/,
    );
  });
});

Deno.test("granted env variables are passed; the rest of the host's environment is not", async () => {
  Deno.env.set("SANDPLUG_TEST_ONE", "1");
  Deno.env.set("SANDPLUG_TEST_TWO", "2");
  try {
    await using fixture = await tempPlugin(
      { permissions: { env: ["SANDPLUG_TEST_ONE", "SANDPLUG_TEST_*", "SANDPLUG_UNSET"] } },
      `
      export function get(name: string): string | undefined { return Deno.env.get(name); }
      `,
    );
    await using ctx = processHost({ env: ["SANDPLUG_TEST_*", "SANDPLUG_UNSET"] });
    const p = await ctx.host.load(fixture.dir);
    assert.equal(await p.call("get", ["SANDPLUG_TEST_ONE"]), "1");
    assert.equal(await p.call("get", ["SANDPLUG_TEST_TWO"]), "2");
    assert.equal(await p.call("get", ["SANDPLUG_UNSET"]), undefined);
    assert.equal(await p.call("get", ["HOME"]), undefined); // outside the grant: reads as unset
  } finally {
    Deno.env.delete("SANDPLUG_TEST_ONE");
    Deno.env.delete("SANDPLUG_TEST_TWO");
  }
});

Deno.test("limits.memoryMb caps the heap and, through RSS, external memory", async (t) => {
  await using ctx = processHost();

  await t.step("a heap bomb dies at the V8 cap; the host survives", async () => {
    await using fixture = await tempPlugin(
      { limits: { memoryMb: 64 } },
      `export function bomb(): void { const a: unknown[] = []; for (;;) a.push(new Array(1000).fill(Math.random())); }
       export function ok(): number { return 1; }`,
    );
    const p = await ctx.host.load(fixture.dir);
    const t0 = performance.now();
    await assert.rejects(p.call("bomb"), (error: unknown) => {
      assert.ok(error instanceof PluginCrashedError);
      // V8's heap cap or the RSS watchdog, whichever is first on a loaded machine: both end only the child.
      assert.match(error.reason, /SIGTRAP|out of memory|exceeded its memory limit of 64 MiB/);
      return true;
    });
    assert.ok(performance.now() - t0 < 5_000);
  });

  await t.step({
    name: "ArrayBuffers past twice the cap are killed by the RSS watchdog",
    ignore: !linux,
    async fn() {
      await using fixture = await tempPlugin(
        { limits: { memoryMb: 64 } },
        `const kept: Uint8Array[] = [];
         export async function grow(): Promise<void> {
           for (;;) { kept.push(new Uint8Array(16 * 1024 * 1024).fill(1)); await new Promise((r) => setTimeout(r, 10)); }
         }`,
      );
      const p = await ctx.host.load(fixture.dir);
      await assert.rejects(p.call("grow"), (error: unknown) => {
        assert.ok(error instanceof PluginCrashedError);
        assert.match(error.reason, /^exceeded its memory limit of 64 MiB \(RSS \d+ MiB\)$/);
        return true;
      });
    },
  });
});

Deno.test("FrameDecoder finds frames in a stream split anywhere and passes other bytes as text", async (t) => {
  const messages: unknown[] = [
    { type: "ok", id: 1, value: undefined },
    { type: "ok", id: 2, value: new Map([["k", new Uint8Array([0x1e, 0x53, 0x50, 0x31])]]) },
  ];
  const encoder = new TextEncoder();
  const stream = new Uint8Array([
    ...encoder.encode("before\n\x1e"),
    ...encodeMessage(messages[0]),
    ...encoder.encode("\x1eS"),
    ...encoder.encode("between\n"),
    ...encodeMessage(messages[1]),
    ...encoder.encode("after"),
  ]);
  const decode = (chunks: Uint8Array[]) => {
    const frames: unknown[] = [];
    const text: number[] = [];
    const decoder = new FrameDecoder({
      frame: (payload) => frames.push(decodeMessage(payload)),
      text: (bytes) => text.push(...bytes),
    });
    for (const chunk of chunks) decoder.push(chunk);
    decoder.end();
    return { frames, text: new TextDecoder().decode(new Uint8Array(text)) };
  };

  await t.step("in one chunk", () => {
    assert.deepEqual(decode([stream]), {
      frames: messages,
      text: "before\n\x1e\x1eSbetween\nafter",
    });
  });

  await t.step("split at every position, and byte by byte", () => {
    for (let at = 0; at <= stream.length; at++) {
      assert.deepEqual(decode([stream.slice(0, at), stream.slice(at)]).frames, messages);
    }
    const bytes = [...stream].map((byte) => Uint8Array.of(byte));
    assert.deepEqual(decode(bytes), decode([stream]));
  });

  await t.step("chunks may be read into one reused buffer: the decoder keeps no view", () => {
    const frames: unknown[] = [];
    const decoder = new FrameDecoder({ frame: (p) => frames.push(decodeMessage(p)), text() {} });
    const buffer = new Uint8Array(5);
    for (let at = 0; at < stream.length; at += buffer.length) {
      const chunk = stream.subarray(at, at + buffer.length);
      buffer.set(chunk);
      decoder.push(buffer.subarray(0, chunk.length));
      buffer.fill(0xee);
    }
    decoder.end();
    assert.deepEqual(frames, messages);
  });

  await t.step("a partial magic at the end is text", () => {
    assert.equal(decode([FRAME_MAGIC.slice(0, 3)]).text, "\x1eSP");
  });

  await t.step("a frame over the limit is refused before it is buffered", () => {
    const decoder = new FrameDecoder({ frame() {}, text() {} }, { maxFrameBytes: 4 });
    assert.throws(() => decoder.push(encodeMessage("longer than four")), FramingError);
  });

  await t.step("a stream that ends inside a frame is a FramingError", () => {
    const decoder = new FrameDecoder({ frame() {}, text() {} });
    decoder.push(encodeMessage("cut").slice(0, 10));
    assert.throws(() => decoder.end(), /ended inside a frame/);
  });

  await t.step("an unclonable value is a DataCloneError", () => {
    assert.throws(() => encodeMessage({ f: () => 1 }), (error: unknown) => {
      assert.ok(error instanceof DOMException);
      assert.equal(error.name, "DataCloneError");
      return true;
    });
    assert.throws(() => encodeMessage(Symbol("s")), { name: "DataCloneError" });
  });
});

Deno.test("encodeMessage() sends plain data compactly, and the rest as a structured clone", async (t) => {
  const roundTrip = (value: unknown) => {
    const frame = encodeMessage(value);
    const payload = frame.subarray(8);
    return { back: decodeMessage(payload), compact: payload[0] !== 0xff };
  };
  const sparse = [1, , 3];
  const named = Object.assign([1, 2], { extra: true });
  const shared = { n: 1 };
  const cases: [string, unknown, boolean][] = [
    ["a call's records", { type: "batch", records: [0, 7, "add", 2, 1, 2.5] }, true],
    ["nested plain objects and arrays", { a: [{ b: "c" }, [], {}], d: null, e: false }, true],
    ["strings with controls and lone surrogates", ['\u0000\n"\\', "\ud800", "é😀"], true],
    ["large and tiny numbers", [1e21, 5e-324, -1.5, Number.MAX_SAFE_INTEGER + 2], true],
    ["a __proto__ key, as an own property", JSON.parse('{"__proto__": {"x": 1}}'), true],
    ["a null-prototype object", Object.assign(Object.create(null), { a: 1 }), true],
    ["undefined", { missing: undefined }, true],
    ["-0", [-0], true],
    ["NaN and Infinity", [Number.NaN, Infinity], true],
    ["BigInt", [1n], true],
    ["a hole", sparse, false],
    ["a named property on an array", named, false],
    ["an object met twice, whose identity a clone keeps", [shared, shared], false],
    ["a typed array", new Uint8Array([1]), false],
    ["Map and Date", [new Map([[1, 2]]), new Date(0)], false],
    ["an error", new RangeError("r"), false],
    [
      "a class instance",
      new (class Point {
        x = 1;
      })(),
      false,
    ],
    ["a value past the compact buffer", "x".repeat(100_000), false],
  ];
  for (const [name, value, compact] of cases) {
    await t.step(`${name}: ${compact ? "compact" : "structured clone"}`, () => {
      const result = roundTrip(value);
      assert.equal(result.compact, compact);
      assert.deepEqual(result.back, structuredClone(value));
      if (Array.isArray(value) && Object.is(value[0], -0)) {
        assert.ok(Object.is((result.back as number[])[0], -0));
      }
    });
  }

  await t.step("typed arrays decoded from a reused buffer get memory of their own", () => {
    const frame = encodeMessage({ bytes: new Uint8Array([1, 2, 3]) });
    const buffer = new Uint8Array(frame);
    const value = decodeMessage(buffer.subarray(8), true) as { bytes: Uint8Array };
    buffer.fill(0);
    assert.deepEqual(value.bytes, new Uint8Array([1, 2, 3]));
  });

  await t.step("each property is read once: a getter cannot change the checked value", () => {
    let reads = 0;
    const tricky = {
      get value() {
        return reads++ === 0 ? 1 : () => 1;
      },
    };
    assert.deepEqual(roundTrip(tricky), { back: { value: 1 }, compact: true });
  });

  await t.step("a proxy is not cloneable either way: DataCloneError", () => {
    assert.throws(() => encodeMessage({ p: new Proxy({}, {}) }), { name: "DataCloneError" });
  });

  await t.step("random plain values round-trip exactly", () => {
    const atoms = [0, 1, -1, 0.1, 1e300, -2.5e-10, "", "a", "\ud83d", "\u2028", true, false, null];
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const make = (depth: number): unknown => {
      const pick = random();
      if (depth > 3 || pick < 0.5) return atoms[Math.floor(random() * atoms.length)];
      const size = Math.floor(random() * 4);
      if (pick < 0.75) return Array.from({ length: size }, () => make(depth + 1));
      return Object.fromEntries(Array.from({ length: size }, (_, i) => [`k${i}`, make(depth + 1)]));
    };
    for (let i = 0; i < 500; i++) {
      const value = make(0);
      const { back, compact } = roundTrip(value);
      assert.ok(compact);
      assert.deepEqual(back, value);
    }
  });
});
