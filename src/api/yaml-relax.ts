// Lenient re-reading of YAML that Go's YAML reader (used by kubectl and Argo) accepts but a strict YAML 1.2
// lexer rejects: continuation lines of a flow collection or quoted scalar that are not indented past the line
// that opened it, e.g. `args: ["` … `"]` with the closing `"]` under `args`. Indentation inside flow and quoted
// content carries no meaning, so indenting those lines changes nothing but lets the strict lexer read them.

/**
 * Returns `text` with under-indented flow/quoted continuation lines indented one column past the line that
 * opened them, or undefined when no line needed it. A heuristic line scanner: callers must re-parse the
 * result and keep it only when that parse is clean.
 */
export function relaxFlowIndentation(text: string): string | undefined {
  const lines = text.split('\n');
  const st: ScanState = { depth: 0, quote: null };
  let regionIndent = 0;
  let blockScalarIndent = -1;
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const indent = leadingSpaces(line);
    const blank = line.trim() === '';
    if (blockScalarIndent >= 0) {
      if (blank || indent > blockScalarIndent) continue;
      blockScalarIndent = -1;
    }
    const open = st.depth > 0 || st.quote !== null;
    if (open) {
      if (!blank && indent <= regionIndent) {
        lines[i] = ' '.repeat(regionIndent + 1 - indent) + line;
        changed = true;
      }
      scanLine(line, indent, st, true);
    } else {
      regionIndent = indent;
      if (scanLine(line, indent, st, false) === 'block-scalar') blockScalarIndent = indent;
    }
  }
  return changed ? lines.join('\n') : undefined;
}

interface ScanState {
  depth: number;
  quote: '"' | "'" | null;
}

function leadingSpaces(line: string): number {
  let n = 0;
  while (line[n] === ' ') n++;
  return n;
}

/** Updates flow depth and open-quote state for one line; reports a block scalar header (`key: |`). */
function scanLine(line: string, start: number, st: ScanState, continuing: boolean): 'block-scalar' | undefined {
  // In block context a quote, bracket or block indicator only means something at the start of a value.
  let valueStart = !continuing || st.depth > 0;
  for (let j = continuing ? 0 : start; j < line.length; j++) {
    const ch = line[j];
    if (st.quote !== null) {
      if (st.quote === '"' && ch === '\\') j++;
      else if (ch === st.quote) {
        if (st.quote === "'" && line[j + 1] === "'") j++;
        else st.quote = null;
      }
      continue;
    }
    if (ch === '#' && (j === 0 || line[j - 1] === ' ' || line[j - 1] === '\t')) return undefined;
    if (ch === ' ' || ch === '\t') continue;
    if (st.depth > 0) {
      if (ch === '"' || ch === "'") {
        if (valueStart) st.quote = ch;
      } else if (ch === '[' || ch === '{') {
        st.depth++;
      } else if (ch === ']' || ch === '}') {
        st.depth--;
      }
      valueStart = ch === '[' || ch === '{' || ch === ',' || ch === ':' || ch === '?';
      continue;
    }
    if (!valueStart) {
      // Inside a plain key or value: a value starts after `: ` (or a trailing `:`).
      if (ch === ':' && (j + 1 === line.length || line[j + 1] === ' ')) valueStart = true;
      continue;
    }
    if (ch === '-' && (j + 1 === line.length || line[j + 1] === ' ')) continue; // sequence entry
    if (ch === '"' || ch === "'") {
      st.quote = ch;
      valueStart = false;
    } else if (ch === '[' || ch === '{') {
      st.depth = 1;
      valueStart = true;
    } else if (ch === '|' || ch === '>') {
      return 'block-scalar';
    } else {
      valueStart = false;
    }
  }
  return undefined;
}
