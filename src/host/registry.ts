/**
 * The plugins compiled into a host, by name, and the rule that keeps their
 * names apart from paths: a bare name (no `/` or `\`, not `.` or `..`) only
 * ever means a compiled-in plugin, and anything else a folder on disk.
 *
 * @module
 */
import { PluginLoadError } from "../errors/errors.ts";
import { type Manifest, parseManifest } from "../manifest/manifest.ts";
import type { PluginModule, RegisterOptions } from "./types.ts";

/** A compiled-in plugin: its exports, and the manifest its registration amounts to. */
export interface Registered {
  readonly module: PluginModule;
  readonly manifest: Manifest;
}

/**
 * Whether `path`, as given to `load()`, names a compiled-in plugin rather
 * than a folder. The empty string is a (bad) path, so that its error names it.
 */
export function isBareName(path: string | URL): path is string {
  return typeof path === "string" && path !== "" && path !== "." && path !== ".." &&
    !path.includes("/") && !path.includes("\\");
}

/** The compiled-in plugins of one host. */
export class Registry {
  readonly #plugins = new Map<string, Registered>();

  /**
   * Adds a plugin. Its name must be a manifest name, which can never look
   * like a path.
   *
   * @throws {TypeError} When the name is taken or the module is not an object.
   * @throws {ManifestError} When the name or a version is malformed.
   */
  register(name: string, module: PluginModule, options: RegisterOptions = {}): void {
    if (typeof module !== "object" || module === null) {
      throw new TypeError(
        `Cannot register plugin "${name}": pass its module's exports, e.g. import * as ${name} from "../${name}.ts"`,
      );
    }
    if (this.#plugins.has(name)) {
      throw new TypeError(
        `Cannot register plugin "${name}": a plugin of that name is registered already`,
      );
    }
    const manifest = parseManifest(
      {
        name,
        version: options.version ?? "0.0.0",
        implements: options.implements,
        description: options.description,
        host: options.host === undefined ? undefined : [...options.host],
      },
      { file: `register("${name}")` },
    );
    this.#plugins.set(name, { module, manifest });
  }

  /**
   * The compiled-in plugin a bare name means.
   *
   * @throws {PluginLoadError} When no plugin of that name is registered.
   */
  get(name: string): Registered {
    const registered = this.#plugins.get(name);
    if (registered !== undefined) return registered;
    const known = this.#plugins.size === 0
      ? "this host has none"
      : `this host has: ${[...this.#plugins.keys()].join(", ")}`;
    throw new PluginLoadError(
      name,
      `a bare name means a compiled-in plugin, and ${known}; ` +
        `load a folder by its path, e.g. "./${name}", or register the plugin with createHost({ plugins })`,
    );
  }
}
