/**
 * The profile: which plugins each point runs, in which order, with which
 * weight; and the checks that it fits the points and the plugins in use.
 *
 * @module
 */
import { FrameworkProfileError } from "./errors.ts";
import type { Point, ScorePoint, SortPoint } from "./points.ts";

/** A score plugin with its weight. */
export interface WeightedPlugin {
  /** The plugin's name. */
  readonly plugin: string;
  /**
   * What its (normalized) score is multiplied by in the sum.
   *
   * @default {1}
   */
  readonly weight?: number;
}

/** What a profile lists for a point: one name for a sort point, names (and weights for a score point) otherwise. */
export type ProfileEntry<P extends Point> = P extends SortPoint<unknown> ? string
  : P extends ScorePoint<unknown, unknown> ? readonly (string | WeightedPlugin)[]
  : readonly string[];

/** The plugins of each point, in order; a point left out runs no plugin (a sort point cannot run). */
export type Profile<P extends Record<string, Point>> = {
  readonly [K in keyof P]?: ProfileEntry<P[K]>;
};

/** One enabled plugin of a point. */
export interface Enabled {
  readonly plugin: string;
  readonly weight: number;
}

function shown(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function entries(name: string, kind: Point["kind"], listed: unknown): Enabled[] {
  if (kind === "sort") {
    if (typeof listed !== "string" || listed === "") {
      throw new FrameworkProfileError(
        `Cannot use the profile: sort point "${name}" needs exactly one plugin's name; ` +
          `current value is ${shown(listed)}`,
        { point: name },
      );
    }
    return [{ plugin: listed, weight: 1 }];
  }
  if (!Array.isArray(listed)) {
    throw new TypeError(
      `Cannot use the profile: point "${name}" must list plugin names, e.g. ["fit"]; ` +
        `current value is ${shown(listed)}`,
    );
  }
  return listed.map((item: unknown) => {
    const weighted = kind === "score" && typeof item === "object" && item !== null;
    const plugin = weighted ? (item as WeightedPlugin).plugin : item;
    const weight = weighted ? (item as WeightedPlugin).weight ?? 1 : 1;
    if (typeof plugin !== "string" || plugin === "") {
      throw new TypeError(
        `Cannot use the profile: point "${name}" lists ${shown(plugin)}; ` +
          (kind === "score" ? 'list names or { plugin: "name", weight: 2 }' : "list plugin names"),
      );
    }
    if (!(typeof weight === "number" && weight > 0 && Number.isFinite(weight))) {
      throw new FrameworkProfileError(
        `Cannot use the profile: plugin "${plugin}" has weight ${
          shown(weight)
        } at point "${name}"; use a positive number`,
        { point: name, plugin },
      );
    }
    return { plugin, weight };
  });
}

/**
 * Checks a profile against the points and returns each point's enabled
 * plugins, in order (an empty list for a point the profile leaves out).
 *
 * @throws {FrameworkProfileError} For a point that does not exist, a sort point without exactly one plugin, a plugin listed twice at a point, a weight that is not positive.
 * @throws {TypeError} For a profile or entry that is not of the right shape.
 */
export function checkProfile(
  points: Readonly<Record<string, Point>>,
  profile: unknown,
): Map<string, readonly Enabled[]> {
  if (typeof profile !== "object" || profile === null) {
    throw new TypeError(
      `Cannot use the profile: it must be an object of point → plugins; current value is ${
        shown(profile)
      }`,
    );
  }
  const names = Object.keys(points);
  for (const name of Object.keys(profile)) {
    if (!Object.hasOwn(points, name)) {
      throw new FrameworkProfileError(
        `Cannot use the profile: it lists point "${name}", which the framework does not have; ` +
          `its points are ${names.map((n) => `"${n}"`).join(", ")}`,
        { point: name },
      );
    }
  }
  const enabled = new Map<string, readonly Enabled[]>();
  for (const name of names) {
    const listed = (profile as Record<string, unknown>)[name];
    const list = listed === undefined ? [] : entries(name, points[name].kind, listed);
    const twice = list.find((entry, i) => list.findIndex((e) => e.plugin === entry.plugin) !== i);
    if (twice !== undefined) {
      throw new FrameworkProfileError(
        `Cannot use the profile: point "${name}" lists plugin "${twice.plugin}" twice; ` +
          "list each plugin once",
        { point: name, plugin: twice.plugin },
      );
    }
    enabled.set(name, list);
  }
  return enabled;
}

/** The parts of a plugin the checks of `use()` read. */
export interface UsedPlugin {
  readonly name: string;
  readonly symbols: readonly { readonly name: string; readonly kind: string }[];
}

/**
 * Checks a plugin's `extends` map (point → symbol) at `use()`: every point
 * it names exists, every symbol is a function the plugin exports, and every
 * point the profile lists the plugin at is in it.
 *
 * @throws {FrameworkProfileError} Naming the plugin, the point and the symbol.
 */
export function checkExtends(
  plugin: UsedPlugin,
  map: Readonly<Record<string, string>>,
  points: Readonly<Record<string, Point>>,
  enabled: ReadonlyMap<string, readonly Enabled[]>,
): void {
  const functions = plugin.symbols.filter((s) => s.kind === "function").map((s) => s.name);
  for (const [name, symbol] of Object.entries(map)) {
    if (!Object.hasOwn(points, name)) {
      throw new FrameworkProfileError(
        `Cannot use plugin "${plugin.name}": its extends map names point "${name}", which the ` +
          `framework does not have; its points are ${
            Object.keys(points).map((n) => `"${n}"`).join(", ")
          }. To use only some of what it implements, give the map yourself: fw.use(plugin, ` +
          `{ extends: ${
            JSON.stringify(
              Object.fromEntries(
                Object.entries(map).filter(([point]) => Object.hasOwn(points, point)),
              ),
            )
          } })`,
        { plugin: plugin.name, point: name, symbol },
      );
    }
    if (typeof symbol !== "string" || !functions.includes(symbol)) {
      throw new FrameworkProfileError(
        `Cannot use plugin "${plugin.name}": its extends map gives point "${name}" the symbol ` +
          `${shown(symbol)}, which is not a function it exports; its functions are ${
            functions.length === 0 ? "none" : functions.map((f) => `"${f}"`).join(", ")
          }`,
        { plugin: plugin.name, point: name, symbol: String(symbol) },
      );
    }
  }
  for (const [name, list] of enabled) {
    if (list.some((entry) => entry.plugin === plugin.name) && !Object.hasOwn(map, name)) {
      throw new FrameworkProfileError(
        `Cannot use plugin "${plugin.name}": the profile lists it at point "${name}", but its ` +
          `extends map gives that point no symbol; add "${name}": "<function>" to the map ` +
          "(in plugin.json, or use(plugin, { extends }))",
        { plugin: plugin.name, point: name },
      );
    }
  }
}
