/**
 * watchPlugins() with fake plugins (objects whose reload() records its
 * calls) and real files changed under a temp folder. Absence is checked by
 * waiting well past the debounce; no test asserts how long anything took.
 *
 * @module
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { ManifestError } from "@sandplug/host";
import {
  type ReloadOutcome,
  type WatchEventDetails,
  type WatchOptions,
  watchPlugins,
} from "../src/host/watch.ts";

/** Long enough, past the debounce, for a reload that was going to happen to have happened. */
const QUIET_MS = 600;

type Diff = { readonly widens: boolean };
/** Any event's detail, its fields optional, so that a test reads each without narrowing. */
type Detail = {
  readonly plugin: string;
  readonly error?: Error;
  readonly from?: string;
  readonly to?: string;
  readonly diff?: Diff;
};
type Event = { type: keyof WatchEventDetails; detail: Detail };

/** A plugin handle with a scripted reload(), counting calls and overlaps. */
class FakePlugin {
  version = "1.0.0";
  closed = false;
  calls = 0;
  active = 0;
  maxActive = 0;
  permissions: { write: string[] } = { write: [] };
  /** What the next reloads do; by default, bump the patch version. */
  script: ((call: number) => Promise<ReloadOutcome<Diff>>) | undefined;

  constructor(readonly name: string, readonly dir: string) {}

  async reload(): Promise<ReloadOutcome<Diff>> {
    const call = ++this.calls;
    this.maxActive = Math.max(this.maxActive, ++this.active);
    try {
      if (this.script) return await this.script(call);
      const from = this.version;
      this.version = `1.0.${call}`;
      return { from, to: this.version, diff: { widens: false } };
    } finally {
      this.active--;
    }
  }
}

/** A temp folder (real path) holding plugin folders `a` and `b`, and the watcher's plumbing. */
async function setup(options: WatchOptions = { debounceMs: 50 }) {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "sandplug-watch-" }));
  for (const name of ["a", "b"]) {
    await Deno.mkdir(join(root, name));
    await Deno.writeTextFile(join(root, name, "mod.ts"), "export const v = 0;\n");
  }
  const a = new FakePlugin("a", join(root, "a"));
  const b = new FakePlugin("b", join(root, "b"));
  const plugins: FakePlugin[] = [a, b];
  const events: Event[] = [];
  const watcher = watchPlugins<Diff>(root, options, {
    plugins: () => plugins,
    emit: (type, detail) => void events.push({ type, detail }),
  });
  return {
    root,
    a,
    b,
    plugins,
    events,
    watcher,
    async [Symbol.asyncDispose]() {
      await watcher.close();
      await Deno.remove(root, { recursive: true });
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 15_000) throw new Error(`Timed out waiting for ${what}`);
    await sleep(10);
  }
}

function edit(path: string, text = `export const v = ${Math.random()};\n`): Promise<void> {
  return Deno.writeTextFile(path, text);
}

Deno.test("watchPlugins() reloads a plugin once after one edit, and emits reload", async () => {
  await using t = await setup();
  await edit(join(t.a.dir, "mod.ts"));
  await waitFor("the reload event", () => t.events.length === 1);
  await sleep(QUIET_MS);
  assert.equal(t.a.calls, 1);
  assert.deepEqual(t.events, [{
    type: "reload",
    detail: { plugin: "a", from: "1.0.0", to: "1.0.1", diff: { widens: false } },
  }]);
});

Deno.test("watchPlugins() reloads once for a burst of writes, as an editor saves", async () => {
  await using t = await setup({ debounceMs: 400 });
  const file = join(t.a.dir, "mod.ts");
  // vim's save: a write test, a backup by rename, the new file, then more files of the plugin.
  await edit(join(t.a.dir, "4913"), "");
  await Deno.remove(join(t.a.dir, "4913"));
  await Deno.rename(file, `${file}~`);
  await edit(file);
  await Deno.remove(`${file}~`);
  for (let i = 0; i < 20; i++) await edit(join(t.a.dir, `lib_${i % 4}.ts`));
  await waitFor("a reload", () => t.a.calls === 1);
  await sleep(QUIET_MS + 400);
  assert.equal(t.a.calls, 1);
  assert.equal(t.b.calls, 0);
});

Deno.test("watchPlugins() reloads only the plugins whose folder holds the change", async () => {
  await using t = await setup();
  const sibling = new FakePlugin("sibling", `${t.root}-other`);
  const parent = new FakePlugin("parent", dirname(t.root));
  t.plugins.push(sibling, parent);
  await Deno.mkdir(join(t.a.dir, "lib"));
  await edit(join(t.a.dir, "lib", "util.ts"));
  await waitFor("a reload of a", () => t.a.calls === 1);
  await sleep(QUIET_MS);
  assert.deepEqual([t.a.calls, t.b.calls, sibling.calls, parent.calls], [1, 0, 0, 0]);
  assert.deepEqual(t.events.map((e) => [e.type, e.detail.plugin]), [["reload", "a"]]);
});

Deno.test("watchPlugins() emits upgrade-refused and reload-failed for reloads that reject", async (t) => {
  class UpgradeRefusedError extends Error {
    override name = "UpgradeRefusedError";
    constructor(readonly from: string, readonly to: string, readonly diff: Diff) {
      super("Cannot reload plugin: it widens its permissions");
    }
  }
  const cases: { name: string; thrown: unknown; check: (event: Event) => void }[] = [
    {
      name: "refused",
      thrown: new UpgradeRefusedError("1.0.0", "2.0.0", { widens: true }),
      check: (event) => {
        assert.equal(event.type, "upgrade-refused");
        const detail = event.detail;
        assert.deepEqual([detail.plugin, detail.from, detail.to, detail.diff], [
          "a",
          "1.0.0",
          "2.0.0",
          { widens: true },
        ]);
        assert.equal(detail.error?.name, "UpgradeRefusedError");
      },
    },
    {
      name: "bad manifest",
      thrown: new ManifestError("a/plugin.json", [{ path: "version", message: "is required" }]),
      check: (event) => {
        assert.equal(event.type, "reload-failed");
        assert.ok(event.detail.error instanceof ManifestError);
        assert.deepEqual(Object.keys(event.detail).sort(), ["error", "plugin"]);
      },
    },
    {
      name: "not an Error",
      thrown: "boom",
      check: (event) => {
        assert.equal(event.type, "reload-failed");
        assert.ok(event.detail.error instanceof Error);
        assert.equal(event.detail.error?.message, "boom");
      },
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      await using s = await setup();
      s.a.script = () => Promise.reject(c.thrown);
      await edit(join(s.a.dir, "plugin.json"), "{}");
      await waitFor("an event", () => s.events.length === 1);
      c.check(s.events[0]);
      if (c.thrown instanceof Error) assert.equal(s.events[0].detail.error, c.thrown);
      // The watch goes on after a failure.
      s.a.script = undefined;
      await edit(join(s.a.dir, "mod.ts"));
      await waitFor("the next event", () => s.events.length === 2);
      assert.equal(s.events[1].type, "reload");
    });
  }
});

Deno.test("watchPlugins() runs exactly one more reload for changes made during one", async () => {
  await using t = await setup();
  const gate = Promise.withResolvers<void>();
  t.a.script = async (call) => {
    if (call === 1) await gate.promise;
    return { from: "1.0.0", to: `1.0.${call}`, diff: { widens: false } };
  };
  await edit(join(t.a.dir, "mod.ts"));
  await waitFor("the first reload to start", () => t.a.calls === 1);
  for (let i = 0; i < 5; i++) {
    await edit(join(t.a.dir, "mod.ts"));
    await sleep(20);
  }
  await sleep(QUIET_MS); // the changes' events arrive while the first reload still runs
  assert.equal(t.a.calls, 1);
  gate.resolve();
  await waitFor("the second reload", () => t.a.calls === 2);
  await sleep(QUIET_MS);
  assert.equal(t.a.calls, 2);
  assert.equal(t.a.maxActive, 1);
  assert.deepEqual(t.events.map((e) => e.type), ["reload", "reload"]);
});

Deno.test("watchPlugins() ignores editors' files, hidden paths and the folders a plugin writes", async () => {
  await using t = await setup();
  t.a.permissions.write = [join(t.a.dir, "data")];
  await Deno.mkdir(join(t.a.dir, ".git"));
  await Deno.mkdir(join(t.a.dir, "data"));
  const ignored = [".mod.ts.swp", "mod.ts.swo", "mod.ts~", "4913", ".#mod.ts", "#mod.ts#"]
    .concat(["mod.ts___jb_tmp___", ".git/HEAD", ".env", "data/cache.json"]);
  for (const name of ignored) await edit(join(t.a.dir, name));
  await sleep(QUIET_MS);
  assert.equal(t.a.calls, 0);
  await edit(join(t.a.dir, "mod.ts"));
  await waitFor("a reload", () => t.a.calls === 1);
});

Deno.test("watchPlugins() skips a closed plugin and watches one loaded after it started", async () => {
  await using t = await setup();
  t.a.closed = true;
  await Deno.mkdir(join(t.root, "c"));
  const c = new FakePlugin("c", join(t.root, "c"));
  t.plugins.push(c);
  await edit(join(t.a.dir, "mod.ts"));
  await edit(join(c.dir, "mod.ts"));
  await waitFor("c's reload", () => c.calls === 1);
  await sleep(QUIET_MS);
  assert.equal(t.a.calls, 0);
});

Deno.test({
  name: "watchPlugins() follows a link to a plugin folder, directly in the watched folder",
  ignore: Deno.build.os === "windows",
}, async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "sandplug-watch-" }));
  const outside = await Deno.realPath(await Deno.makeTempDir({ prefix: "sandplug-watch-out-" }));
  try {
    await Deno.mkdir(join(outside, "linked"));
    await Deno.mkdir(join(outside, "unlinked"));
    await Deno.symlink(join(outside, "linked"), join(root, "linked"));
    const linked = new FakePlugin("linked", join(outside, "linked"));
    const unlinked = new FakePlugin("unlinked", join(outside, "unlinked"));
    // Deno's watchers share one inotify instance: with the target watched already (by another
    // host, say), the linked folder's changes come named root/linked/..., not by its real path.
    using _other = Deno.watchFs(join(outside, "linked"), { recursive: true });
    const events: Event[] = [];
    await using _ = watchPlugins<Diff>(root, { debounceMs: 50 }, {
      plugins: () => [linked, unlinked],
      emit: (type, detail) => void events.push({ type, detail }),
    });
    await edit(join(outside, "linked", "mod.ts"));
    await edit(join(root, "linked", "lib.ts"));
    await edit(join(outside, "unlinked", "mod.ts"));
    await waitFor("the linked plugin's reload", () => linked.calls === 1);
    await sleep(QUIET_MS);
    assert.deepEqual([linked.calls, unlinked.calls], [1, 0]);
    assert.deepEqual(events.map((e) => [e.type, e.detail.plugin]), [["reload", "linked"]]);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("watchPlugins() on one plugin's own folder reloads it", async () => {
  await using t = await setup();
  const events: Event[] = [];
  await using _ = watchPlugins<Diff>(t.a.dir, { debounceMs: 50 }, {
    plugins: () => [t.a, t.b],
    emit: (type, detail) => void events.push({ type, detail }),
  });
  await edit(join(t.a.dir, "mod.ts"));
  await waitFor("a reload", () => events.length >= 1 && t.events.length >= 1);
  await sleep(QUIET_MS);
  assert.equal(events.length, 1);
  assert.equal(t.b.calls, 0);
});

Deno.test("watchPlugins() stops on close(): nothing fires after, even a pending debounce", async () => {
  await using t = await setup({ debounceMs: 300 });
  await edit(join(t.a.dir, "mod.ts"));
  await sleep(50);
  assert.equal(t.watcher.closed, false);
  await t.watcher.close();
  assert.equal(t.watcher.closed, true);
  await t.watcher.close();
  await edit(join(t.a.dir, "mod.ts"));
  await sleep(QUIET_MS);
  assert.equal(t.a.calls, 0);
  assert.deepEqual(t.events, []);
});

Deno.test("watchPlugins() close() waits for the reload in progress and emits its outcome", async () => {
  await using t = await setup();
  const gate = Promise.withResolvers<void>();
  t.a.script = async () => {
    await gate.promise;
    return { from: "1.0.0", to: "1.0.1", diff: { widens: false } };
  };
  await edit(join(t.a.dir, "mod.ts"));
  await waitFor("the reload to start", () => t.a.calls === 1);
  let closed = false;
  const closing = t.watcher.close().then(() => closed = true);
  await edit(join(t.a.dir, "mod.ts"));
  await sleep(100);
  assert.equal(closed, false);
  gate.resolve();
  await closing;
  assert.deepEqual(t.events.map((e) => e.type), ["reload"]);
  await sleep(QUIET_MS);
  assert.equal(t.a.calls, 1);
});

Deno.test("watchPlugins() stops when its signal aborts, or at once if it had", async () => {
  await using t = await setup();
  const controller = new AbortController();
  const events: Event[] = [];
  const deps = {
    plugins: () => [t.a],
    emit: (type: Event["type"], detail: Event["detail"]) => void events.push({ type, detail }),
  };
  const watcher = watchPlugins<Diff>(t.root, { signal: controller.signal, debounceMs: 50 }, deps);
  controller.abort();
  assert.equal(watcher.closed, true);
  await watcher.close();
  const aborted = watchPlugins<Diff>(t.root, { signal: AbortSignal.abort() }, deps);
  assert.equal(aborted.closed, true);
  await t.watcher.close();
  await edit(join(t.a.dir, "mod.ts"));
  await sleep(QUIET_MS);
  assert.equal(t.a.calls, 0);
  assert.deepEqual(events, []);
});

Deno.test("watchPlugins() goes on when the host's plugin list or emit throws", async () => {
  await using t = await setup();
  let throws = 2;
  const events: Event[] = [];
  await using _ = watchPlugins<Diff>(t.root, { debounceMs: 50 }, {
    plugins: () => {
      if (throws-- > 1) throw new Error("list failed");
      return [t.b];
    },
    emit: (type, detail) => {
      events.push({ type, detail });
      if (events.length === 1) throw new Error("listener failed");
    },
  });
  await edit(join(t.b.dir, "one.ts"));
  await waitFor("b's reload", () => events.length === 1);
  await sleep(QUIET_MS);
  await edit(join(t.b.dir, "three.ts"));
  await waitFor("b's second reload", () => events.length === 2);
});

Deno.test("watchPlugins() refuses a missing folder and a bad debounce with typed errors", async () => {
  await using t = await setup();
  const deps = { plugins: () => [], emit: () => {} };
  assert.throws(
    () => watchPlugins(join(t.root, "nope"), {}, deps),
    (error: Error) =>
      error instanceof Deno.errors.NotFound &&
      /^Cannot watch plugins in .*nope: it does not exist/.test(error.message),
  );
  assert.throws(() => watchPlugins(join(t.a.dir, "mod.ts"), {}, deps), Deno.errors.NotADirectory);
  for (const debounceMs of [-1, Number.NaN, Infinity]) {
    assert.throws(() => watchPlugins(t.root, { debounceMs }, deps), RangeError);
  }
});
