// github.com/Knetic/govaluate (v3). Argo's step/task `when:` evaluates it with no parameters after `{{...}}`
// substitution, where Argo turns every bare word (govaluate "variable") into a string literal, so
// `heads == heads` is true. Words with dots are accessors (errors), `a-b` is subtraction (an error on strings).
// Argo Events' `exprs` filters evaluate it with parameters (evaluateWithParams): bare words are looked up.
import { WeirError } from '../core/errors.js';
import { goNumber } from './expr-values.js';
import { regexTest } from './expr-regex.js';

type Kind =
  | 'NUMERIC'
  | 'BOOLEAN'
  | 'STRING'
  | 'TIME'
  | 'VARIABLE'
  | 'ACCESSOR'
  | 'COMPARATOR'
  | 'LOGICALOP'
  | 'MODIFIER'
  | 'PREFIX'
  | 'CLAUSE'
  | 'CLAUSE_CLOSE'
  | 'TERNARY'
  | 'SEPARATOR';

interface Tok {
  kind: Kind;
  value: unknown;
  pos: number;
}

const VALUE_NEXT: Kind[] = ['MODIFIER', 'COMPARATOR', 'LOGICALOP', 'CLAUSE_CLOSE', 'TERNARY', 'SEPARATOR'];
const OPERAND: Kind[] = ['PREFIX', 'NUMERIC', 'BOOLEAN', 'VARIABLE', 'ACCESSOR', 'STRING', 'TIME', 'CLAUSE'];
/** govaluate's lexer state table: which token kind may follow which, and which may end an expression. */
const STATES: Record<Kind | 'START', { next: Kind[]; eof: boolean }> = {
  START: { next: OPERAND, eof: false },
  CLAUSE: { next: [...OPERAND, 'CLAUSE_CLOSE'], eof: false },
  CLAUSE_CLOSE: {
    next: [
      'COMPARATOR',
      'MODIFIER',
      'NUMERIC',
      'BOOLEAN',
      'VARIABLE',
      'STRING',
      'TIME',
      'CLAUSE',
      'CLAUSE_CLOSE',
      'LOGICALOP',
      'TERNARY',
      'SEPARATOR',
    ],
    eof: true,
  },
  NUMERIC: { next: VALUE_NEXT, eof: true },
  BOOLEAN: { next: VALUE_NEXT, eof: true },
  STRING: { next: VALUE_NEXT, eof: true },
  TIME: { next: ['MODIFIER', 'COMPARATOR', 'LOGICALOP', 'CLAUSE_CLOSE', 'SEPARATOR'], eof: true },
  VARIABLE: { next: VALUE_NEXT, eof: true },
  ACCESSOR: { next: ['CLAUSE', ...VALUE_NEXT], eof: true },
  MODIFIER: { next: ['PREFIX', 'NUMERIC', 'VARIABLE', 'ACCESSOR', 'STRING', 'BOOLEAN', 'CLAUSE', 'CLAUSE_CLOSE'], eof: false },
  COMPARATOR: { next: [...OPERAND, 'CLAUSE_CLOSE'], eof: false },
  LOGICALOP: { next: [...OPERAND, 'CLAUSE_CLOSE'], eof: false },
  PREFIX: { next: ['NUMERIC', 'BOOLEAN', 'VARIABLE', 'ACCESSOR', 'CLAUSE', 'CLAUSE_CLOSE'], eof: false },
  TERNARY: { next: [...OPERAND, 'SEPARATOR'], eof: false },
  SEPARATOR: { next: OPERAND, eof: false },
};

const MODIFIERS = new Set(['+', '-', '*', '/', '%', '**', '&', '|', '^', '>>', '<<']);
const COMPARATORS = new Set(['==', '!=', '>', '>=', '<', '<=', '=~', '!~', 'in']);
const LOGICAL = new Set(['&&', '||']);
const TERNARY = new Set(['?', ':', '??']);
const PREFIXES = new Set(['-', '!', '~']);

function fail(msg: string, src: string): WeirError {
  return new WeirError('EXPRESSION_ERROR', `invalid 'when' expression '${src}': ${msg}`, { details: { expression: src } });
}

const isLetter = (c: string): boolean => /\p{L}/u.test(c);
const isDigit = (c: string): boolean => /\p{Nd}/u.test(c);

/** govaluate parses quoted strings that look like dates into times (compared as Unix seconds). */
function tryParseTime(s: string): number | undefined {
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2})(?::(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  if (m) {
    if (m[4] !== undefined && m[5] === undefined && s[10] === ' ') return undefined;
    const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
    const z = m[7];
    const off = !z || z === 'Z' ? 0 : (z[0] === '-' ? -1 : 1) * (+z.slice(1, 3) * 60 + +z.slice(-2));
    return Number.isNaN(t) ? undefined : Math.floor(t / 1000) - off * 60;
  }
  m = /^(\d{1,2}):(\d{2})(AM|PM)$/.exec(s);
  if (m) {
    const d = new Date(0);
    d.setUTCFullYear(0, 0, 1);
    d.setUTCHours((+m[1] % 12) + (m[3] === 'PM' ? 12 : 0), +m[2], 0, 0);
    return Math.floor(d.getTime() / 1000);
  }
  return undefined;
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let state = STATES.START;
  const push = (t: Tok): void => {
    if (!state.next.includes(t.kind)) {
      const last = toks[toks.length - 1];
      if (last?.kind === 'VARIABLE' && t.kind === 'CLAUSE') throw fail(`Undefined function ${String(last.value)}`, src);
      throw fail(
        `Cannot transition token types from ${last ? `${last.kind} [${String(last.value)}]` : 'START'} to ${t.kind} [${String(t.value)}]`,
        src,
      );
    }
    toks.push(t);
    state = STATES[t.kind];
  };
  while (i < src.length) {
    const c = src[i];
    const pos = i;
    if (/\s/.test(c)) {
      i++;
    } else if (isDigit(c) || c === '.') {
      if (c === '0' && src[i + 1] === 'x') {
        const m = /^[0-9a-fA-F]*/.exec(src.slice(i + 2))?.[0] ?? '';
        if (m === '') throw fail(`Unable to parse hex value '' to uint64`, src);
        push({ kind: 'NUMERIC', value: parseInt(m, 16), pos });
        i += 2 + m.length;
        continue;
      }
      let j = i;
      while (j < src.length && (isDigit(src[j]) || src[j] === '.')) j++;
      const text = src.slice(i, j);
      if (!/^(\d+\.?\d*|\.\d+)$/.test(text)) throw fail(`Unable to parse numeric value '${text}' to float64`, src);
      push({ kind: 'NUMERIC', value: Number(text), pos });
      i = j;
    } else if (c === ',') {
      push({ kind: 'SEPARATOR', value: ',', pos });
      i++;
    } else if (c === '[') {
      const [text, end] = readEscaped(src, i + 1, (ch) => ch === ']');
      if (end < 0) throw fail('Unclosed parameter bracket', src);
      push({ kind: 'VARIABLE', value: text, pos });
      i = end + 1;
    } else if (isLetter(c)) {
      let j = i;
      while (j < src.length && (isLetter(src[j]) || isDigit(src[j]) || src[j] === '_' || src[j] === '.')) j++;
      const word = src.slice(i, j);
      i = j;
      if (word === 'true' || word === 'false') push({ kind: 'BOOLEAN', value: word === 'true', pos });
      else if (word === 'in' || word === 'IN') push({ kind: 'COMPARATOR', value: 'in', pos });
      else if (word.indexOf('.') > 0) {
        if (word.endsWith('.')) throw fail(`Hanging accessor on token '${word}'`, src);
        const parts = word.split('.');
        const bad = parts.slice(1).find((p) => p[0] !== undefined && p[0].toUpperCase() !== p[0]);
        if (bad !== undefined) throw fail(`Unable to access unexported field '${bad}' in token '${word}'`, src);
        push({ kind: 'ACCESSOR', value: word, pos });
      } else push({ kind: 'VARIABLE', value: word, pos });
    } else if (c === "'" || c === '"') {
      const [text, end] = readEscaped(src, i + 1, (ch) => ch === "'" || ch === '"');
      if (end < 0) throw fail('Unclosed string literal', src);
      const time = tryParseTime(text);
      push(time === undefined ? { kind: 'STRING', value: text, pos } : { kind: 'TIME', value: time, pos });
      i = end + 1;
    } else if (c === '(' || c === ')') {
      push({ kind: c === '(' ? 'CLAUSE' : 'CLAUSE_CLOSE', value: c, pos });
      i++;
    } else {
      let j = i;
      while (j < src.length && !/[\s'"()]/.test(src[j]) && !isLetter(src[j]) && !isDigit(src[j])) j++;
      const sym = src.slice(i, j);
      i = j;
      if (state.next.includes('PREFIX') && PREFIXES.has(sym)) push({ kind: 'PREFIX', value: sym, pos });
      else if (MODIFIERS.has(sym)) push({ kind: 'MODIFIER', value: sym, pos });
      else if (LOGICAL.has(sym)) push({ kind: 'LOGICALOP', value: sym, pos });
      else if (COMPARATORS.has(sym)) push({ kind: 'COMPARATOR', value: sym, pos });
      else if (TERNARY.has(sym)) push({ kind: 'TERNARY', value: sym, pos });
      else throw fail(`Invalid token: '${sym}' (hint: try wrapping the affected expression in quotes (")`, src);
    }
  }
  if (toks.length > 0 && !state.eof) throw fail('Unexpected end of expression', src);
  let depth = 0;
  for (const t of toks) depth += t.kind === 'CLAUSE' ? 1 : t.kind === 'CLAUSE_CLOSE' ? -1 : 0;
  if (depth !== 0) throw fail('Unbalanced parenthesis', src);
  return toks;
}

function readEscaped(src: string, i: number, end: (c: string) => boolean): [string, number] {
  let out = '';
  while (i < src.length) {
    const c = src[i];
    if (c === '\\' && i + 1 < src.length) {
      out += src[i + 1];
      i += 2;
    } else if (end(c)) return [out, i];
    else {
      out += c;
      i++;
    }
  }
  return [out, -1];
}

type Node =
  { lit: unknown; pos: number } | { variable: string; pos: number } | { op: string; kind: Kind; left?: Node; right: Node; pos: number };

const LEVELS: { kinds: Kind[]; ops: Set<string> }[] = [
  { kinds: ['SEPARATOR'], ops: new Set([',']) },
  { kinds: ['TERNARY'], ops: TERNARY },
  { kinds: ['LOGICALOP'], ops: new Set(['||']) },
  { kinds: ['LOGICALOP'], ops: new Set(['&&']) },
  { kinds: ['COMPARATOR'], ops: COMPARATORS },
  { kinds: ['MODIFIER'], ops: new Set(['&', '|', '^']) },
  { kinds: ['MODIFIER'], ops: new Set(['>>', '<<']) },
  { kinds: ['MODIFIER'], ops: new Set(['+', '-']) },
  { kinds: ['MODIFIER'], ops: new Set(['*', '/', '%']) },
  { kinds: ['MODIFIER'], ops: new Set(['**']) },
];

/** Builds the evaluation tree: left-associative at every level, prefix operators bind tightest. */
function plan(toks: Tok[], src: string, withParams = false): Node {
  let i = 0;
  let depth = 0;
  const level = (n: number): Node => {
    if (n >= LEVELS.length) return value();
    let left = level(n + 1);
    for (;;) {
      const t = toks[i];
      if (!t || !LEVELS[n].kinds.includes(t.kind) || !LEVELS[n].ops.has(String(t.value))) return left;
      i++;
      left = { op: String(t.value), kind: t.kind, left, right: level(n + 1), pos: t.pos };
    }
  };
  const value = (): Node => {
    const t = toks[i++];
    if (!t) throw fail('Unexpected end of expression', src);
    if (t.kind === 'PREFIX') return { op: String(t.value), kind: 'PREFIX', right: value(), pos: t.pos };
    if (t.kind === 'CLAUSE') {
      if (toks[i]?.kind === 'CLAUSE_CLOSE') {
        i++;
        return { lit: null, pos: t.pos };
      }
      if (++depth > 64) throw fail('parentheses nested deeper than 64', src.slice(0, 80));
      const inner = level(0);
      depth--;
      if (toks[i++]?.kind !== 'CLAUSE_CLOSE') throw fail('Unbalanced parenthesis', src);
      return inner;
    }
    if (t.kind === 'ACCESSOR') return { op: 'accessor', kind: 'ACCESSOR', right: { lit: t.value, pos: t.pos }, pos: t.pos };
    if (t.kind === 'VARIABLE' || t.kind === 'STRING' || t.kind === 'NUMERIC' || t.kind === 'BOOLEAN' || t.kind === 'TIME') {
      if (t.kind === 'VARIABLE' && toks[i - 2]?.kind === 'PREFIX') {
        throw fail(`Cannot transition token types from PREFIX [${String(toks[i - 2].value)}] to STRING [${String(t.value)}]`, src);
      }
      if (t.kind === 'VARIABLE' && withParams) return { variable: String(t.value), pos: t.pos };
      return { lit: t.value, pos: t.pos };
    }
    throw fail(`Unexpected token ${String(t.value)}`, src);
  };
  const root = level(0);
  if (i < toks.length) throw fail(`Unexpected token ${String(toks[i].value)}`, src);
  return root;
}

const show = (v: unknown): string => (typeof v === 'number' ? goNumber(v) : Array.isArray(v) ? `[${v.map(show).join(' ')}]` : String(v));

function deepEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, k) => deepEqual(x, b[k]));
  return a === b;
}

function evalNode(n: Node, src: string, params?: Readonly<Record<string, unknown>>): unknown {
  if ('lit' in n) return n.lit;
  if ('variable' in n) {
    if (params === undefined || !Object.prototype.hasOwnProperty.call(params, n.variable))
      throw fail(`No parameter '${n.variable}' found.`, src);
    return params[n.variable];
  }
  if (n.op === 'accessor') throw fail(`No parameter '${String((n.right as { lit: unknown }).lit).split('.')[0]}' found.`, src);
  const left = n.left ? evalNode(n.left, src, params) : undefined;
  const typeErr = (v: unknown, what: string, need: string): WeirError =>
    fail(`Value '${show(v)}' cannot be used with the ${what} '${n.op}', it is not ${need}`, src);
  if (n.op === '&&' && left === false) return false;
  if (n.op === '||' && left === true) return true;
  if (n.op === '??' && left !== null && left !== undefined) return left;
  if (n.op === '?' && left === false) return null;
  if (n.op === ':' && left !== null && left !== undefined) return left;
  const right = evalNode(n.right, src, params);
  const num = (v: unknown, what: string): number => {
    if (typeof v !== 'number') throw typeErr(v, what, 'a number');
    return v;
  };
  switch (n.op) {
    case '&&':
    case '||':
      if (typeof left !== 'boolean') throw typeErr(left, 'logical operator', 'a bool');
      if (typeof right !== 'boolean') throw typeErr(right, 'logical operator', 'a bool');
      return right;
    case '??':
    case ':':
      return right;
    case '?':
      if (typeof left !== 'boolean') throw typeErr(left, 'ternary operator', 'a bool');
      return right;
    case ',':
      return [...(Array.isArray(left) && n.left && 'op' in n.left && n.left.op === ',' ? (left as unknown[]) : [left]), right];
    case '==':
      return deepEqual(left, right);
    case '!=':
      return !deepEqual(left, right);
    case '>':
    case '>=':
    case '<':
    case '<=': {
      const ok = (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
      if (!ok) throw typeErr(typeof left === 'number' || typeof left === 'string' ? right : left, 'comparator', 'a number');
      const l = left;
      const r = right;
      return n.op === '>' ? l > r : n.op === '>=' ? l >= r : n.op === '<' ? l < r : l <= r;
    }
    case '=~':
    case '!~':
      if (typeof left !== 'string') throw typeErr(left, 'comparator', 'a string');
      if (typeof right !== 'string') throw typeErr(right, 'comparator', 'a string');
      return regexTest(right, left) === (n.op === '=~');
    case 'in':
      if (!Array.isArray(right)) throw typeErr(right, 'comparator', 'an array');
      return right.some((x) => deepEqual(x, left));
    case '+':
      if (typeof left === 'number' && typeof right === 'number') return left + right;
      if (typeof left === 'string' || typeof right === 'string') return show(left) + show(right);
      throw typeErr(typeof left === 'number' ? right : left, 'modifier', 'a number');
    case '-':
      if (n.kind === 'PREFIX') return -num(right, 'prefix');
      return num(left, 'modifier') - num(right, 'modifier');
    case '!':
      if (typeof right !== 'boolean') throw typeErr(right, 'prefix', 'a boolean');
      return !right;
    case '~':
      return ~num(right, 'prefix');
  }
  const a = num(left, 'modifier');
  const b = num(right, 'modifier');
  switch (n.op) {
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '**':
      return a ** b;
    case '&':
      return Number(BigInt.asIntN(64, BigInt(Math.trunc(a)) & BigInt(Math.trunc(b))));
    case '|':
      return Number(BigInt.asIntN(64, BigInt(Math.trunc(a)) | BigInt(Math.trunc(b))));
    case '^':
      return Number(BigInt.asIntN(64, BigInt(Math.trunc(a)) ^ BigInt(Math.trunc(b))));
    case '<<':
      return Number(BigInt.asIntN(64, BigInt(Math.trunc(a)) << BigInt(Math.min(Math.max(0, Math.trunc(b)), 64))));
    case '>>':
      return Number(BigInt(Math.trunc(a)) >> BigInt(Math.min(Math.max(0, Math.trunc(b)), 64)));
  }
  throw fail(`unknown operator ${n.op}`, src);
}

const MAX_WHEN = 10_000;

/** Evaluates an already-substituted `when` expression the way Argo does. Throws EXPRESSION_ERROR. */
export function evaluateWhen(src: string): boolean {
  if (src.trim() === '') return true;
  if (src.length > MAX_WHEN) throw fail(`expression longer than ${MAX_WHEN} characters`, src.slice(0, 80));
  const toks = tokenize(src);
  if (toks.length > 2000) throw fail('expression has too many tokens', src.slice(0, 80));
  const result = evalNode(plan(toks, src), src);
  if (typeof result !== 'boolean') throw fail(`Expected boolean evaluation, got ${show(result)}`, src);
  return result;
}

/**
 * govaluate's EvaluableExpression.Evaluate(parameters), as Argo Events evaluates `exprs` filters: bare words are
 * parameters (a missing one is "No parameter 'x' found."), everything else as for `when`. Parameter values are plain
 * JSON values (numbers as float64). Returns the result of any type; throws EXPRESSION_ERROR.
 */
export function evaluateWithParams(src: string, params: Readonly<Record<string, unknown>>): unknown {
  try {
    if (src.length > MAX_WHEN) throw fail(`expression longer than ${MAX_WHEN} characters`, src.slice(0, 80));
    const toks = tokenize(src);
    if (toks.length > 2000) throw fail('expression has too many tokens', src.slice(0, 80));
    return evalNode(plan(toks, src, true), src, params);
  } catch (e) {
    if (e instanceof WeirError)
      throw new WeirError(e.code, e.message.replace(/^invalid 'when' expression/, 'invalid expression'), { cause: e, details: e.details });
    throw e;
  }
}

/** Lint: the syntax of a govaluate expression with parameters; an error message or undefined. */
export function checkGovaluateSyntax(src: string): string | undefined {
  try {
    if (src.length > MAX_WHEN) return `expression longer than ${MAX_WHEN} characters`;
    if (src.trim() !== '') plan(tokenize(src), src, true);
    return undefined;
  } catch (e) {
    return e instanceof WeirError ? e.message.replace(/^invalid 'when' expression/, 'invalid expression') : String(e);
  }
}

/**
 * Lint: checks the syntax of a `when` that may still contain `{{...}}` placeholders, treating each as an opaque
 * word. Returns an error message, or undefined when the expression is well-formed.
 */
export function checkWhenSyntax(src: string): string | undefined {
  const opaque = src.replace(/\{\{[\s\S]*?\}\}/g, (_m, offset: number) => (/[\d.]/.test(src[offset - 1] ?? '') ? '0' : 'placeholder'));
  try {
    if (opaque.length > MAX_WHEN) return `expression longer than ${MAX_WHEN} characters`;
    if (opaque.trim() !== '') plan(tokenize(opaque), opaque);
    return undefined;
  } catch (e) {
    return e instanceof WeirError ? e.message : String(e);
  }
}
