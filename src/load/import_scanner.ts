/**
 * Finds the import specifiers a JavaScript or TypeScript module names
 * literally: `import … from "x"`, `import "x"`, `export … from "x"`, and
 * `import("x")` with a string or plain template literal. A small tokenizer
 * skips comments, strings, templates and regular expressions, so that text in
 * them is not taken for code, and code is not hidden in what looks like them.
 *
 * The module is hostile input scanned in the host's thread, so the scan is one
 * pass that keeps only the previous token (a few numbers and at most a
 * keyword-sized name) and one byte per open bracket: its time is linear and
 * its memory small whatever the bytes are, and a literal's text is copied
 * only when it is an import specifier.
 *
 * @module
 */
import { ImportForms } from "./import_forms.ts";
import { TokenScanner } from "./token_scanner.ts";

/** One literal import found in a module. */
export interface FoundImport {
  /**
   * The specifier as written between its quotes, escapes left as they are: a
   * specifier with a backslash names something else than its text shows.
   */
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
}

/**
 * Calls `found` with every literal import specifier of a module, in source
 * order, without building a list: a module can hold a million imports.
 *
 * @param source JavaScript or TypeScript source text.
 * @param found Called with the specifier as written and its 1-based line.
 */
export function scanImports(
  source: string,
  found: (specifier: string, line: number) => void,
): void {
  new TokenScanner(source, new ImportForms(source, found)).run();
}

/**
 * Lists every literal import specifier of a module, in source order.
 *
 * @param source JavaScript or TypeScript source text.
 */
export function findImports(source: string): FoundImport[] {
  const found: FoundImport[] = [];
  scanImports(source, (specifier, line) => found.push({ specifier, line }));
  return found;
}
