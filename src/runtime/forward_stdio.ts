/**
 * A worker's stdio is the host's: without this, plugin code writes raw bytes
 * (escape sequences included) to the host's terminal with `Deno.stdout`,
 * `Deno.stderr`, `node:process` streams or Deno's internal `core.print`, and
 * no permission stops it. Here `Deno.stdout` and `Deno.stderr` become
 * writers whose lines are sent to the host as log text, and the other ways
 * are cut. `node:fs` writes to fd 1 and 2 go to the process's descriptors
 * directly and cannot be cut from inside the worker (SECURITY.md).
 *
 * @module
 */
import { MAX_LINE_CHARS } from "../wire/log_text.ts";

// A partial line waits this long for the rest before it is sent as it is.
const PARTIAL_LINE_MS = 50;

// Captured when this module loads, before any plugin code runs.
// Looked up when first needed: touching the timer global while a worker starts costs it ~5 ms.
// Plugin code that replaces it breaks only its own notices; the host keeps a budget of its own.
const schedule = (run: () => void, ms: number) => setTimeout(run, ms);
const decoderFor = () => new TextDecoder();

/** A `Deno.stdout`-shaped writer whose text goes to `send`, a line at a time. */
function lineWriter(send: (text: string) => void): object {
  const decoder = decoderFor();
  let pending = "";
  let timer = false;
  const flush = () => {
    timer = false;
    if (pending !== "") send(pending);
    pending = "";
  };
  const write = (bytes: Uint8Array): number => {
    pending += decoder.decode(bytes, { stream: true });
    const end = pending.lastIndexOf("\n");
    if (end !== -1) {
      send(pending.slice(0, end));
      pending = pending.slice(end + 1);
    }
    if (pending.length > MAX_LINE_CHARS) flush();
    else if (pending !== "" && !timer) {
      timer = true;
      schedule(flush, PARTIAL_LINE_MS);
    }
    return bytes.byteLength;
  };
  let writable: WritableStream<Uint8Array> | undefined;
  return Object.freeze({
    writeSync: write,
    write: (bytes: Uint8Array) => Promise.resolve(write(bytes)),
    get writable() {
      writable ??= new WritableStream<Uint8Array>({ write: (bytes) => void write(bytes) });
      return writable;
    },
    close: () => {},
    isTerminal: () => false,
    setRaw: () => {},
  });
}

/**
 * Sends what plugin code writes to `Deno.stdout` and `Deno.stderr` to `send`
 * as lines, closes the isolate's own stdio resources (so `node:process`
 * streams fail instead of writing), and removes `Deno[Deno.internal]`, whose
 * `core.print` writes to the process's stdio. Call it before plugin code runs
 * and after anything that needs `Deno[Deno.internal]`.
 *
 * @param send Where each piece of text goes, line breaks inside it included.
 */
export function forwardStdio(send: (text: string) => void): void {
  const internal = (Deno as unknown as { internal: symbol }).internal;
  const deno = Deno as unknown as Record<symbol, { core?: { close?(rid: number): void } }>;
  const core = deno[internal]?.core;
  for (const rid of [1, 2]) {
    try {
      core?.close?.(rid);
    } catch {
      // Already closed: nothing to cut.
    }
  }
  delete deno[internal];
  for (const name of ["stdout", "stderr"]) {
    Object.defineProperty(Deno, name, {
      value: lineWriter(send),
      configurable: false,
      writable: false,
    });
  }
}
