/**
 * A limit a plugin's manifest may ask for, bounded by the host's: the
 * manifest is the plugin author's word, so it can only shorten a deadline
 * the host set, never lengthen it.
 *
 * @param asked What the manifest asks for, if anything.
 * @param ceiling The host's own limit.
 * @returns The smaller of the two.
 */
export function atMost(asked: number | undefined, ceiling: number): number {
  return asked === undefined ? ceiling : Math.min(asked, ceiling);
}
