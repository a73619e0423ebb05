// A plugin that streams the records of a large NDJSON access log, one line at
// a time: it never holds the file, only the chunk being split. It may read the
// log only because its manifest asks for /tmp/sandplug-records and the host's
// policy allows it; every other path outside its folder is denied.
import { variable } from "jsr:@sandplug/host@^0.1/plugin";

/** One request of the access log. */
export interface AccessRecord {
  id: number;
  time: string;
  method: string;
  path: string;
  status: number;
  ms: number;
}

/** What the plugin's reads did, for the host to check that they stopped. */
export interface RecordStats {
  /** Files opened by records(). */
  opened: number;
  /** Files records() closed again, in its `finally`: on the end, a throw, or the host's cancel. */
  closed: number;
  /** Records parsed, over every call. */
  parsed: number;
  /** Bytes read from disk, over every call. */
  bytesRead: number;
}

/** Counts since the plugin started: the host reads them to see that reading stopped, and where. */
export const stats = variable<RecordStats>({ opened: 0, closed: 0, parsed: 0, bytesRead: 0 });

/** The stream's chunks, counted on their way past. */
function counted(): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      stats.value.bytesRead += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
}

/** The lines of a text stream, without their line breaks; the last one even if unterminated. */
async function* lines(text: ReadableStream<string>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of text) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    yield* parts;
  }
  if (rest !== "") yield rest;
}

function parse(line: string, lineNumber: number, path: string): AccessRecord {
  try {
    const record = JSON.parse(line);
    if (typeof record?.id !== "number" || typeof record.path !== "string") {
      throw new TypeError("it is not an access record (no numeric id or path)");
    }
    return record;
  } catch (error) {
    // The host sees this as a PluginCallError ending the stream, after the records before it.
    throw new SyntaxError(
      `Cannot parse ${path} line ${lineNumber}: ${(error as Error).message}; ` +
        "write one JSON access record per line",
    );
  }
}

/**
 * Streams the records of an NDJSON file, parsed, as the host reads them:
 * the host's window bounds how far ahead of it this generator runs, and so
 * how much of the file is read.
 *
 * @param path The file's absolute path, inside the plugin's read grant.
 * @returns The records, in the file's order.
 */
export async function* records(path: string): AsyncGenerator<AccessRecord> {
  const file = await Deno.open(path);
  stats.value.opened++;
  try {
    const text = file.readable.pipeThrough(counted()).pipeThrough(new TextDecoderStream());
    let lineNumber = 0;
    for await (const line of lines(text)) {
      lineNumber++;
      if (line.trim() === "") continue;
      const record = parse(line, lineNumber, path);
      stats.value.parsed++;
      yield record;
    }
  } finally {
    // Runs at the end, on a throw, and when the host stops reading (its break
    // or cancel returns this generator). Dispose, not close(): the stream may
    // have closed the file already, at its end or on its cancel.
    file[Symbol.dispose]();
    stats.value.closed++;
  }
}
