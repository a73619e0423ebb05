/**
 * Garbage a subject left behind, collected before the next is timed.
 *
 * @module
 */

/**
 * With `--expose-gc` (as `deno task bench` runs), collects the garbage the
 * previous subject or round made now rather than inside the next timing, and
 * lets the collector's background threads finish: the machine has only two
 * cores. Without the flag, only the pause.
 */
export async function collectGarbage(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
}
