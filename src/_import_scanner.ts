/**
 * Finds the import specifiers a JavaScript or TypeScript module names
 * literally: `import … from "x"`, `import "x"`, `export … from "x"`, and
 * `import("x")` with a string or plain template literal. A small tokenizer
 * skips comments, strings, templates and regular expressions, so that text in
 * them is not taken for code, and code is not hidden in what looks like them.
 */

/** One literal import found in a module. */
export interface FoundImport {
  /** The specifier as written. */
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
}

const KEYWORDS_BEFORE_EXPRESSION = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
  "extends",
]);
const CONTROL_KEYWORDS = new Set(["if", "while", "for", "with"]);

type Token =
  | { kind: "name"; value: string }
  | { kind: "string"; value: string; line: number }
  | { kind: "template"; value: string; line: number }
  | { kind: "punct"; value: string }
  | { kind: "regex" }
  | { kind: "number" };

function isIdentifierStart(char: string): boolean {
  return /[A-Za-z_$\u0080-\uffff]/.test(char);
}

function isIdentifierPart(char: string): boolean {
  return /[A-Za-z0-9_$\u0080-\uffff]/.test(char);
}

/** Splits source into the tokens that matter for finding imports. */
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  // For each open "(" and "{": whether its close ends a control head / a block (then "/" starts a regex).
  const parens: boolean[] = [];
  const braces: ("block" | "object" | "template")[] = [];
  let i = 0;
  let line = 1;
  let regexAllowed = true;

  const previous = () => tokens[tokens.length - 1];
  const startsBlock = () => {
    const prev = previous();
    if (prev === undefined) return true;
    if (prev.kind === "punct") return [")", ";", "}", "{", "=>"].includes(prev.value);
    if (prev.kind === "name") {
      return !KEYWORDS_BEFORE_EXPRESSION.has(prev.value) || prev.value === "else" ||
        prev.value === "do";
    }
    return false;
  };

  while (i < source.length) {
    const char = source[i];
    if (char === "\n") {
      line++;
      i++;
      continue;
    }
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    if (char === "/" && source[i + 1] === "/") {
      while (i < source.length && source[i] !== "\n") i++;
      continue;
    }
    if (char === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      for (let j = i; j < stop; j++) if (source[j] === "\n") line++;
      i = stop;
      continue;
    }
    if (char === '"' || char === "'") {
      const startLine = line;
      let value = "";
      i++;
      while (i < source.length && source[i] !== char) {
        if (source[i] === "\\") {
          if (source[i + 1] === "\n") line++;
          value += source[i + 1] ?? "";
          i += 2;
          continue;
        }
        if (source[i] === "\n") break; // unterminated: stop at the line end, as the parser would fail
        value += source[i++];
      }
      i++;
      tokens.push({ kind: "string", value, line: startLine });
      regexAllowed = false;
      continue;
    }
    if (char === "`" || (char === "}" && braces[braces.length - 1] === "template")) {
      if (char === "}") braces.pop();
      const startLine = line;
      let value = "";
      let substitution = false;
      i++;
      while (i < source.length) {
        const c = source[i];
        if (c === "\\") {
          value += source[i + 1] ?? "";
          i += 2;
          continue;
        }
        if (c === "`") {
          i++;
          break;
        }
        if (c === "$" && source[i + 1] === "{") {
          i += 2;
          braces.push("template");
          substitution = true;
          break;
        }
        if (c === "\n") line++;
        value += c;
        i++;
      }
      // Only a whole template without substitutions is a literal specifier.
      tokens.push(
        char === "`" && !substitution
          ? { kind: "template", value, line: startLine }
          : { kind: "punct", value: "`" },
      );
      regexAllowed = substitution;
      continue;
    }
    if (char === "/" && regexAllowed) {
      let inClass = false;
      i++;
      while (i < source.length && source[i] !== "\n") {
        const c = source[i];
        if (c === "\\") {
          i += 2;
          continue;
        }
        if (c === "[") inClass = true;
        else if (c === "]") inClass = false;
        else if (c === "/" && !inClass) break;
        i++;
      }
      i++;
      while (i < source.length && isIdentifierPart(source[i])) i++;
      tokens.push({ kind: "regex" });
      regexAllowed = false;
      continue;
    }
    if (isIdentifierStart(char)) {
      let value = "";
      while (i < source.length && isIdentifierPart(source[i])) value += source[i++];
      const prev = previous();
      const isProperty = prev?.kind === "punct" && (prev.value === "." || prev.value === "?.");
      tokens.push({ kind: "name", value });
      regexAllowed = !isProperty && KEYWORDS_BEFORE_EXPRESSION.has(value);
      continue;
    }
    if (/[0-9]/.test(char) || (char === "." && /[0-9]/.test(source[i + 1] ?? ""))) {
      while (i < source.length && /[0-9A-Za-z_.]/.test(source[i])) i++;
      tokens.push({ kind: "number" });
      regexAllowed = false;
      continue;
    }
    // Punctuators.
    const two = source.slice(i, i + 2);
    const value = source.startsWith("...", i) ? "..." : two === "?." || two === "=>" ? two : char;
    i += value.length;
    if (value === "(") {
      const prev = previous();
      parens.push(prev?.kind === "name" && CONTROL_KEYWORDS.has(prev.value));
    }
    if (value === "{") braces.push(startsBlock() ? "block" : "object");
    tokens.push({ kind: "punct", value });
    if (value === ")") regexAllowed = parens.pop() ?? false;
    else if (value === "]") regexAllowed = false;
    else if (value === "}") regexAllowed = braces.pop() !== "object";
    else regexAllowed = true;
  }
  return tokens;
}

function literal(token: Token | undefined): { value: string; line: number } | undefined {
  return token !== undefined && (token.kind === "string" || token.kind === "template")
    ? token
    : undefined;
}

/**
 * Lists every literal import specifier of a module, in source order.
 *
 * @param source JavaScript or TypeScript source text.
 */
export function findImports(source: string): FoundImport[] {
  const tokens = tokenize(source);
  const found: FoundImport[] = [];
  const add = (token: { value: string; line: number } | undefined) => {
    if (token !== undefined) found.push({ specifier: token.value, line: token.line });
  };
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (token.kind !== "name") continue;
    const prev = tokens[index - 1];
    if (prev?.kind === "punct" && (prev.value === "." || prev.value === "?.")) continue;
    const next = tokens[index + 1];
    if (token.value === "import") {
      if (next?.kind === "punct" && next.value === "(") {
        // Literal only when the string is the whole first argument: import("x") or import("x", { with }).
        const after = tokens[index + 3];
        if (after?.kind === "punct" && (after.value === ")" || after.value === ",")) {
          add(literal(tokens[index + 2]));
        }
        continue;
      }
      if (literal(next)) {
        add(literal(next));
        continue;
      }
    }
    // `from "x"` only ever closes an import or export; counting it anywhere errs on the safe side.
    if (token.value === "from") add(literal(next));
  }
  return found;
}
