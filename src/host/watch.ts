/**
 * Reloading loaded plugins when their files change on disk.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { mayRead, pluginsFolder } from "../load/discover.ts";
import { isWithin } from "../permissions/permissions.ts";
import { reloadsOn } from "./change_filter.ts";
import { DebouncedRuns } from "./debounced_runs.ts";

/** What a reload resolves to: the versions before and after, and the permission diff. */
export interface ReloadOutcome<Diff = unknown> {
  readonly from: string;
  readonly to: string;
  readonly diff: Diff;
}

/** The part of a plugin handle the watcher uses. */
export interface WatchedPlugin<Diff = unknown> {
  readonly name: string;
  /** Its folder, a real path. */
  readonly dir: string;
  readonly version: string;
  readonly closed: boolean;
  /** Its grant: a change the plugin may have written itself never reloads it. */
  readonly permissions?: { readonly write: readonly string[] };
  reload(): Promise<ReloadOutcome<Diff>>;
}

/** The `detail` of each event the watcher emits, by event type. */
export interface WatchEventDetails<Diff = unknown> {
  /** A plugin was reloaded. */
  reload: { readonly plugin: string } & ReloadOutcome<Diff>;
  /** A reload was refused (`UpgradeRefusedError`); the old version keeps serving. */
  "upgrade-refused": { readonly plugin: string; readonly error: Error } & ReloadOutcome<Diff>;
  /** A reload failed to load the new version; the old version keeps serving. */
  "reload-failed": { readonly plugin: string; readonly error: Error };
}

/** What the watcher needs from its host. */
export interface WatchDeps<Diff = unknown> {
  /** The plugins loaded now; asked again at each change. */
  plugins(): readonly WatchedPlugin<Diff>[];
  /**
   * Reports an outcome; what it throws is dropped. A host leaves it out:
   * its plugins' `reload()` reports every outcome as a host event already.
   */
  emit?<T extends keyof WatchEventDetails>(type: T, detail: WatchEventDetails<Diff>[T]): void;
}

/** Options of {@linkcode watchPlugins}. */
export interface WatchOptions {
  /** Stops the watcher, like `close()`. */
  signal?: AbortSignal;
  /**
   * How long a plugin's files must stay unchanged before it is reloaded:
   * editors save in several steps (a backup, a write, a rename).
   *
   * @default {150}
   */
  debounceMs?: number;
}

/** A running watch, stopped by `close()`, `await using` or the signal. */
export interface PluginWatcher extends AsyncDisposable {
  /** Whether it was stopped. */
  readonly closed: boolean;
  /** Stops watching and waits for a reload in progress, whose outcome is still emitted. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_DEBOUNCE_MS = 150;

/**
 * Reloads the loaded plugins under `dir` when their files change: each
 * changed path reloads the plugins whose folder holds it, once the folder
 * has stayed unchanged for `debounceMs`. A plugin's reloads never overlap: a
 * change during one schedules exactly one more after it. Each outcome is an
 * event (`reload`, `upgrade-refused`, `reload-failed`), never an exception.
 *
 * Only plugins whose folder is `dir`, lies under it, or is reached through a
 * link directly in it when the watch starts, are watched; plugins loaded
 * later are watched too.
 * Ignored: editors' swap, lock and backup files, anything hidden (a name
 * starting with `.`, such as `.git/`) inside a plugin's folder, and the
 * folders the plugin may write, whose changes are its own data (reloading on
 * them would loop). A plugin folder that appears is not loaded.
 *
 * @param dir The folder of plugin folders (or one plugin's folder).
 * @param options The signal and the debounce.
 * @param deps The host's plugins and its events.
 * @returns The watcher; stop it with `close()`.
 * @throws {TypeError} When `dir` is not a non-empty string or URL.
 * @throws {RangeError} When `debounceMs` is not a finite number of 0 or more.
 * @throws {Deno.errors.NotCapable} When the host may not read `dir`; names the flag.
 * @throws {Deno.errors.NotFound} When `dir` does not exist.
 * @throws {Deno.errors.NotADirectory} When `dir` is not a folder.
 *
 * @example Reload a plugin when its file changes
 * ```ts
 * import { watchPlugins } from "./watch.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.realPath(await Deno.makeTempDir());
 * await Deno.mkdir(`${dir}/greeter`);
 * let version = 1;
 * const plugin = {
 *   name: "greeter", dir: `${dir}/greeter`, version: "1.0.0", closed: false,
 *   reload: () => Promise.resolve({ from: `1.0.${version - 1}`, to: `1.0.${version++}`, diff: {} }),
 * };
 * const reloaded = Promise.withResolvers<string>();
 * await using _watcher = watchPlugins(dir, { debounceMs: 20 }, {
 *   plugins: () => [plugin],
 *   emit: (type, detail) => reloaded.resolve(`${type} ${detail.plugin}`),
 * });
 * await Deno.writeTextFile(`${dir}/greeter/mod.ts`, "export const hi = () => 'hi';\n");
 * assert.equal(await reloaded.promise, "reload greeter");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function watchPlugins<Diff = unknown>(
  dir: string | URL,
  options: WatchOptions = {},
  deps: WatchDeps<Diff>,
): PluginWatcher {
  const root = Deno.realPathSync(pluginsFolder(dir, "watch"));
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  if (typeof debounceMs !== "number" || !Number.isFinite(debounceMs) || debounceMs < 0) {
    throw new RangeError(
      `Cannot watch plugins: debounceMs must be a finite number of 0 or more; current value is ${
        String(debounceMs)
      }`,
    );
  }
  return new Watcher(root, debounceMs, deps, options.signal);
}

class Watcher<Diff> implements PluginWatcher {
  readonly #root: string;
  readonly #deps: WatchDeps<Diff>;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => void this.close();
  /** By the real folder watched: `root`, and the targets of the links directly in it. */
  readonly #watchers = new Map<string, Deno.FsWatcher>();
  readonly #loops: Promise<void>[] = [];
  readonly #reloads: DebouncedRuns<WatchedPlugin<Diff>>;
  #closing: Promise<void> | undefined;

  constructor(root: string, debounceMs: number, deps: WatchDeps<Diff>, signal?: AbortSignal) {
    this.#root = root;
    this.#deps = deps;
    this.#signal = signal;
    this.#reloads = new DebouncedRuns(
      debounceMs,
      (plugin) => this.#reload(plugin),
      (plugin) => plugin.closed,
    );
    if (signal?.aborted) {
      this.#closing = this.#reloads.close();
      return;
    }
    this.#watch(root);
    this.#followLinks();
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    for (const watcher of this.#watchers.values()) {
      try {
        watcher.close();
      } catch {
        // Its iteration ended already (the folder went away): nothing to release.
      }
    }
    this.#closing = Promise.all([...this.#loops, this.#reloads.close()]).then(() => {});
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #watch(folder: string): void {
    // Deno hands a watcher only the changes under its folder's real path: a linked plugin
    // folder needs a watcher of its own.
    const watcher = Deno.watchFs(folder, { recursive: true });
    this.#watchers.set(folder, watcher);
    this.#loops.push(this.#drain(watcher));
  }

  async #drain(watcher: Deno.FsWatcher): Promise<void> {
    try {
      for await (const event of watcher) this.#onEvent(event);
    } catch {
      // The watched folder went away or became unreadable: nothing more comes from it.
    }
  }

  /**
   * Watches the real folder behind each link directly in the root. Only at
   * the start: Deno hands a watcher only the changes under its folder's real
   * path, so the creation of a link to elsewhere never reaches the root's.
   */
  #followLinks(): void {
    for (const entry of Deno.readDirSync(this.#root)) {
      if (!entry.isSymlink || entry.name.startsWith(".")) continue;
      try {
        const target = Deno.realPathSync(join(this.#root, entry.name));
        if (this.#watchers.has(target) || isWithin(target, this.#root) || !mayRead(target)) {
          continue;
        }
        if (Deno.statSync(target).isDirectory) this.#watch(target);
      } catch {
        // A dangling or unreadable link: a plugin cannot be loaded through it either.
      }
    }
  }

  #onEvent(event: Deno.FsEvent): void {
    if (this.closed) return;
    try {
      const plugins = this.#deps.plugins().filter((plugin) =>
        !plugin.closed && [...this.#watchers.keys()].some((folder) => isWithin(plugin.dir, folder))
      );
      const paths = event.paths.map((path) => this.#resolve(path, plugins));
      // "rescan": events were lost (the kernel's queue overflowed), so any plugin may have changed.
      const changed = event.flag === "rescan"
        ? plugins
        : plugins.filter((plugin) => paths.some((path) => reloadsOn(plugin, path)));
      for (const plugin of changed) this.#reloads.touch(plugin);
    } catch {
      // The host's plugin list failed: the next change tries again.
    }
  }

  /**
   * The real path of a change seen through a link. Deno's watchers share one
   * inotify instance, which names a linked folder by whichever path watched
   * it last: the link's (`root/linked/mod.ts`) or the target's.
   */
  #resolve(path: string, plugins: readonly WatchedPlugin<Diff>[]): string {
    if (plugins.some((plugin) => isWithin(path, plugin.dir))) return path;
    // Deno also hands every watcher the removals of paths it does not watch, which may be unreadable.
    if (![...this.#watchers.keys()].some((folder) => isWithin(path, folder))) return path;
    try {
      return Deno.realPathSync(path);
    } catch {
      // Removed: its folder may remain.
    }
    try {
      return join(Deno.realPathSync(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }

  async #reload(plugin: WatchedPlugin<Diff>): Promise<void> {
    const name = plugin.name;
    try {
      const { from, to, diff } = await plugin.reload();
      this.#emit("reload", { plugin: name, from, to, diff });
    } catch (error) {
      if (isRefusal<Diff>(error)) {
        const { from, to, diff } = error;
        this.#emit("upgrade-refused", { plugin: name, from, to, diff, error });
      } else {
        const reason = error instanceof Error ? error : new Error(String(error), { cause: error });
        this.#emit("reload-failed", { plugin: name, error: reason });
      }
    }
  }

  #emit<T extends keyof WatchEventDetails>(type: T, detail: WatchEventDetails<Diff>[T]): void {
    try {
      this.#deps.emit?.(type, detail);
    } catch {
      // A listener's failure is the host's to report; the watch goes on.
    }
  }
}

function isRefusal<Diff>(error: unknown): error is Error & ReloadOutcome<Diff> {
  return error instanceof Error && error.name === "UpgradeRefusedError" &&
    typeof (error as Partial<ReloadOutcome>).from === "string" &&
    typeof (error as Partial<ReloadOutcome>).to === "string";
}
