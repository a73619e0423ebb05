/**
 * What the import check vouches for about a plugin's module graph, shared by
 * the check's cache, the tiers and the integrity lock.
 *
 * @module
 */

/**
 * What a passed check vouches for: the module graph's content as it read it,
 * which a tier that imports the graph in the host's own isolate needs in
 * order to tell a changed plugin from one it imported before.
 */
export interface CheckedGraph {
  /** The hex SHA-256 over the path and bytes of every module the check read, in the order it read them. */
  readonly digest: string;
  /**
   * Whether a module of the plugin imports one of its own modules by an
   * absolute path or a `file:` URL: that module's URL is then the same
   * whatever URL its importer was loaded under.
   */
  readonly absoluteImports: boolean;
  /**
   * The package and plugin SDK specifiers its modules import, each once, as
   * written (`npm:marked`, `jsr:@sandplug/host@^0.1/plugin`): a tier that
   * resolves packages itself must resolve exactly these.
   */
  readonly packages: readonly string[];
  /**
   * The path of every module the check read (data modules too), absolute, in
   * the order it read them: what the integrity lock hashes.
   */
  readonly files: readonly string[];
}
