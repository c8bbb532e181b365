// JSONPath filter expressions `[?( ... )]` as Argo's jsonpath (PaesslerAG/jsonpath over gval) evaluates them:
// `@` paths (`@.a.b`, `@['a-b']`, `@[0]`, bare `@`) and `$` paths against the document root, literals (quoted
// strings, numbers, true/false/null), comparisons == != < <= > >= and =~ (Go regex), `!`, `&&`, `||` and
// parentheses, with the usual precedence (|| < && < comparison < !). A path that does not resolve is null, so
// `@.missing == null` holds and `@.missing > 1` does not. Parsed once per path, recursive-descent (bounded depth).
import { exprError, getMember, hasOwn, isMap } from './expr-values.js';
import { compileRegex } from './expr-regex.js';

type Ref = { root: '@' | '$'; path: (string | number)[] };
export type FilterExpr =
  { k: 'lit'; v: unknown } | { k: 'ref'; ref: Ref } | { k: 'not'; e: FilterExpr } | { k: 'bin'; op: string; a: FilterExpr; b: FilterExpr };

const OPS = ['&&', '||', '==', '!=', '<=', '>=', '=~', '<', '>'];
const MAX_DEPTH = 64;

class FilterParser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly s: string,
    private readonly whole: string,
  ) {}

  parse(): FilterExpr {
    const e = this.or();
    this.ws();
    if (this.i < this.s.length) this.fail(`unexpected ${JSON.stringify(this.s.slice(this.i, this.i + 10))}`);
    return e;
  }

  private fail(msg: string): never {
    throw exprError(`jsonpath: ${msg} in filter of ${this.whole}`);
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private op(): string | undefined {
    this.ws();
    return OPS.find((o) => this.s.startsWith(o, this.i));
  }

  private or(): FilterExpr {
    let a = this.and();
    while (this.op() === '||') {
      this.i += 2;
      a = { k: 'bin', op: '||', a, b: this.and() };
    }
    return a;
  }

  private and(): FilterExpr {
    let a = this.cmp();
    while (this.op() === '&&') {
      this.i += 2;
      a = { k: 'bin', op: '&&', a, b: this.cmp() };
    }
    return a;
  }

  private cmp(): FilterExpr {
    const a = this.unary();
    const op = this.op();
    if (op === undefined || op === '&&' || op === '||') return a;
    this.i += op.length;
    return { k: 'bin', op, a, b: this.unary() };
  }

  private unary(): FilterExpr {
    this.ws();
    if (++this.depth > MAX_DEPTH) this.fail('expression nested too deeply');
    try {
      const c = this.s[this.i];
      if (c === '!' && this.s[this.i + 1] !== '=') {
        this.i++;
        return { k: 'not', e: this.unary() };
      }
      if (c === '(') {
        this.i++;
        const e = this.or();
        this.ws();
        if (this.s[this.i] !== ')') this.fail('missing )');
        this.i++;
        return e;
      }
      if (c === '@' || c === '$') return { k: 'ref', ref: this.ref() };
      return { k: 'lit', v: this.literal() };
    } finally {
      this.depth--;
    }
  }

  private ref(): Ref {
    const root = this.s[this.i++] as '@' | '$';
    const path: (string | number)[] = [];
    for (;;) {
      if (this.s[this.i] === '.') {
        this.i++;
        const m = /^[A-Za-z0-9_-]+/.exec(this.s.slice(this.i));
        if (!m) this.fail('expected a name after .');
        path.push(m[0]);
        this.i += m[0].length;
      } else if (this.s[this.i] === '[') {
        this.i++;
        this.ws();
        const v = this.literal();
        this.ws();
        if (this.s[this.i] !== ']') this.fail('missing ]');
        this.i++;
        if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) path.push(v);
        else this.fail('a subscript must be a name or an index');
      } else return { root, path };
    }
  }

  private literal(): unknown {
    const rest = this.s.slice(this.i);
    const q = /^'([^']*)'|^"([^"]*)"/.exec(rest);
    if (q) {
      this.i += q[0].length;
      return q[1] ?? q[2];
    }
    const n = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(rest);
    if (n) {
      this.i += n[0].length;
      return Number(n[0]);
    }
    const w = /^(true|false|null)\b/.exec(rest);
    if (w) {
      this.i += w[0].length;
      return w[0] === 'null' ? null : w[0] === 'true';
    }
    return this.fail(`unexpected ${JSON.stringify(rest.slice(0, 10))}`);
  }
}

/** Parses the body of `[?( ... )]` (without the brackets and parentheses). */
export function parseFilter(body: string, whole: string): FilterExpr {
  return new FilterParser(body, whole).parse();
}

function resolve(ref: Ref, item: unknown, root: unknown): unknown {
  let v = ref.root === '@' ? item : root;
  for (const k of ref.path) {
    if (typeof k === 'string') {
      if (!isMap(v) || !hasOwn(v, k)) return null;
      v = getMember(v, k);
    } else {
      if (!Array.isArray(v)) return null;
      const i = k < 0 ? v.length + k : k;
      if (i < 0 || i >= v.length) return null;
      v = v[i] as unknown;
    }
  }
  return v ?? null;
}

function truthy(v: unknown): boolean {
  return v !== null && v !== undefined && v !== false;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

function evaluate(e: FilterExpr, item: unknown, root: unknown): unknown {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'ref':
      return resolve(e.ref, item, root);
    case 'not':
      return !truthy(evaluate(e.e, item, root));
  }
  if (e.op === '&&') return truthy(evaluate(e.a, item, root)) && truthy(evaluate(e.b, item, root));
  if (e.op === '||') return truthy(evaluate(e.a, item, root)) || truthy(evaluate(e.b, item, root));
  const a = evaluate(e.a, item, root);
  const b = evaluate(e.b, item, root);
  switch (e.op) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case '=~':
      return typeof a === 'string' && typeof b === 'string' && compileRegex(b).test(a);
  }
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false;
  const x = a;
  const y = b as number | string;
  return e.op === '<' ? x < y : e.op === '<=' ? x <= y : e.op === '>' ? x > y : x >= y;
}

/** Whether `item` (a member of the filtered value) passes the filter; `root` is the whole document. */
export function filterMatches(e: FilterExpr, item: unknown, root: unknown): boolean {
  return truthy(evaluate(e, item, root));
}
