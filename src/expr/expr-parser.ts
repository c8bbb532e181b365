// Pratt parser for expr-lang: precedence and associativity follow expr-lang's operator table
// (or < and < comparisons/in/matches < .. < + - < * / % < unary < ** ^ < ??), with pipes, ternaries, closures and `let`.
// Bounded: source length, AST node count and nesting depth are capped.
import { tokenize } from './expr-lexer.js';
import type { Token } from './expr-lexer.js';
import { exprError, table } from './expr-values.js';

export type ExprNode =
  | { k: 'lit'; v: unknown; pos: number }
  | { k: 'id'; name: string; pos: number }
  | { k: 'ptr'; name: string; pos: number }
  | { k: 'member'; obj: ExprNode; prop: ExprNode; opt: boolean; pos: number }
  | { k: 'slice'; obj: ExprNode; from?: ExprNode; to?: ExprNode; pos: number }
  | { k: 'call'; callee: ExprNode; args: ExprNode[]; pos: number }
  | { k: 'closure'; body: ExprNode; pos: number }
  | { k: 'unary'; op: string; arg: ExprNode; pos: number }
  | { k: 'binary'; op: string; left: ExprNode; right: ExprNode; pos: number }
  | { k: 'cond'; test: ExprNode; then: ExprNode; else: ExprNode; pos: number }
  | { k: 'array'; items: ExprNode[]; pos: number }
  | { k: 'map'; entries: [ExprNode, ExprNode][]; pos: number }
  | { k: 'let'; name: string; value: ExprNode; body: ExprNode; pos: number };

export const MAX_NODES = 5000;
export const MAX_DEPTH = 64;
export const MAX_TREE_DEPTH = 400;

interface OpInfo {
  prec: number;
  right?: boolean;
}

const BINARY = table<OpInfo>({
  or: { prec: 10 },
  '||': { prec: 10 },
  and: { prec: 15 },
  '&&': { prec: 15 },
  '==': { prec: 20 },
  '!=': { prec: 20 },
  '<': { prec: 20 },
  '>': { prec: 20 },
  '<=': { prec: 20 },
  '>=': { prec: 20 },
  in: { prec: 20 },
  matches: { prec: 20 },
  contains: { prec: 20 },
  startsWith: { prec: 20 },
  endsWith: { prec: 20 },
  '..': { prec: 25 },
  '+': { prec: 30 },
  '-': { prec: 30 },
  '*': { prec: 60 },
  '/': { prec: 60 },
  '%': { prec: 60 },
  '**': { prec: 100, right: true },
  '^': { prec: 100, right: true },
  '??': { prec: 500 },
});
const NEGATABLE = new Set(['in', 'matches', 'contains', 'startsWith', 'endsWith']);
const UNARY = table<number>({ not: 50, '!': 50, '-': 90, '+': 90 });

/** Builtins whose second argument is a predicate (closure). */
export const CLOSURE_BUILTINS = new Set([
  'all',
  'any',
  'none',
  'one',
  'filter',
  'map',
  'count',
  'find',
  'findIndex',
  'findLast',
  'findLastIndex',
  'groupBy',
  'sortBy',
  'reduce',
  'sum',
  'mean',
  'median',
  'min',
  'max',
]);

class Parser {
  private i = 0;
  private nodes = 0;
  private depth = 0;
  private closureDepth = 0;
  constructor(private readonly toks: Token[]) {}

  private get t(): Token {
    return this.toks[this.i];
  }
  private isOp(v: string): boolean {
    return this.t.kind === 'op' && this.t.value === v;
  }
  private isWord(v: string): boolean {
    return this.t.kind === 'id' && this.t.value === v;
  }
  private expectOp(v: string): Token {
    if (!this.isOp(v)) throw this.unexpected(`expected ${v}`);
    return this.toks[this.i++];
  }
  private unexpected(hint?: string): Error {
    const t = this.t;
    const what = t.kind === 'eof' ? 'end of expression' : `token ${JSON.stringify(String(t.value))}`;
    return exprError(`unexpected ${what}${hint ? `, ${hint}` : ''}`, t.pos);
  }
  private node<N extends ExprNode>(n: N): N {
    if (++this.nodes > MAX_NODES) throw exprError(`expression too large (more than ${MAX_NODES} nodes)`, n.pos);
    return n;
  }

  parseAll(): ExprNode {
    const n = this.expression(0);
    if (this.t.kind !== 'eof') throw this.unexpected();
    checkTreeDepth(n);
    return n;
  }

  expression(prec: number): ExprNode {
    if (++this.depth > MAX_DEPTH) throw exprError(`expression nested deeper than ${MAX_DEPTH}`, this.t.pos);
    try {
      return this.expressionInner(prec);
    } finally {
      this.depth--;
    }
  }

  private expressionInner(prec: number): ExprNode {
    if (prec === 0 && this.isWord('let')) return this.letExpr();
    let left = this.unary();
    for (;;) {
      const t = this.t;
      if (prec === 0 && this.isOp('|')) {
        this.i++;
        left = this.pipe(left, t.pos);
        continue;
      }
      let op = t.kind === 'op' || t.kind === 'id' ? String(t.value) : '';
      let negate = false;
      if (op === 'not' && this.toks[this.i + 1]?.kind === 'id' && NEGATABLE.has(String(this.toks[this.i + 1].value))) {
        negate = true;
        op = String(this.toks[this.i + 1].value);
      }
      const info = BINARY[op];
      if (!info || info.prec < prec) break;
      this.i += negate ? 2 : 1;
      const right = this.expression(info.right ? info.prec : info.prec + 1);
      left = this.node({ k: 'binary', op, left, right, pos: t.pos });
      if (negate) left = this.node({ k: 'unary', op: 'not', arg: left, pos: t.pos });
    }
    if (prec === 0 && this.isOp('?')) {
      const pos = this.t.pos;
      this.i++;
      const then = this.expression(0);
      this.expectOp(':');
      const els = this.expression(0);
      left = this.node({ k: 'cond', test: left, then, else: els, pos });
    }
    return left;
  }

  private letExpr(): ExprNode {
    const pos = this.t.pos;
    this.i++;
    const name = this.t;
    if (name.kind !== 'id') throw this.unexpected('expected variable name');
    this.i++;
    this.expectOp('=');
    const value = this.expression(0);
    this.expectOp(';');
    const body = this.expression(0);
    return this.node({ k: 'let', name: String(name.value), value, body, pos });
  }

  private pipe(left: ExprNode, pos: number): ExprNode {
    const t = this.t;
    if (t.kind !== 'id') throw this.unexpected('expected function name after |');
    this.i++;
    const callee: ExprNode = this.node({ k: 'id', name: String(t.value), pos: t.pos });
    const args = this.isOp('(') ? this.args(String(t.value), 1) : [];
    return this.postfix(this.node({ k: 'call', callee, args: [left, ...args], pos }));
  }

  private unary(): ExprNode {
    const t = this.t;
    const op = t.kind === 'op' || t.kind === 'id' ? String(t.value) : '';
    const uprec = UNARY[op];
    if (uprec !== undefined && (t.kind === 'op' || op === 'not')) {
      this.i++;
      const arg = this.expression(uprec);
      return this.node({ k: 'unary', op: op === '!' ? 'not' : op, arg, pos: t.pos });
    }
    return this.postfix(this.primary());
  }

  private primary(): ExprNode {
    const t = this.t;
    switch (t.kind) {
      case 'num':
      case 'str':
        this.i++;
        return this.node({ k: 'lit', v: t.value, pos: t.pos });
      case 'ptr':
        this.i++;
        if (this.closureDepth === 0) throw exprError('cannot use pointer outside of a closure', t.pos);
        return this.node({ k: 'ptr', name: String(t.value), pos: t.pos });
      case 'id':
        return this.identifier();
      case 'op':
        break;
      default:
        throw this.unexpected();
    }
    if (this.isOp('(')) {
      this.i++;
      const e = this.expression(0);
      this.expectOp(')');
      return e;
    }
    if (this.isOp('[')) return this.arrayLit();
    if (this.isOp('{')) return this.mapLit();
    if (this.isOp('.') && this.closureDepth > 0 && this.toks[this.i + 1]?.kind === 'id') {
      this.i++;
      const name = this.toks[this.i++];
      const obj: ExprNode = this.node({ k: 'ptr', name: '', pos: t.pos });
      return this.node({ k: 'member', obj, prop: this.node({ k: 'lit', v: name.value, pos: name.pos }), opt: false, pos: t.pos });
    }
    throw this.unexpected();
  }

  private identifier(): ExprNode {
    const t = this.toks[this.i++];
    const name = String(t.value);
    if (name === 'true' || name === 'false') return this.node({ k: 'lit', v: name === 'true', pos: t.pos });
    if (name === 'nil') return this.node({ k: 'lit', v: null, pos: t.pos });
    const id: ExprNode = this.node({ k: 'id', name, pos: t.pos });
    if (this.isOp('(')) return this.node({ k: 'call', callee: id, args: this.args(name, 0), pos: t.pos });
    return id;
  }

  /** Parses `(a, b, ...)`; for predicate builtins the second argument becomes a closure. */
  private args(fn: string, offset: number): ExprNode[] {
    this.expectOp('(');
    const args: ExprNode[] = [];
    while (!this.isOp(')')) {
      if (args.length > 0) {
        this.expectOp(',');
        if (this.isOp(')')) break;
      }
      const isPredicate = CLOSURE_BUILTINS.has(fn) && args.length + offset === 1;
      args.push(isPredicate ? this.closure() : this.expression(0));
    }
    this.i++;
    return args;
  }

  private closure(): ExprNode {
    const pos = this.t.pos;
    this.closureDepth++;
    try {
      if (this.isOp('{')) {
        this.i++;
        const body = this.expression(0);
        this.expectOp('}');
        return this.node({ k: 'closure', body, pos });
      }
      return this.node({ k: 'closure', body: this.expression(0), pos });
    } finally {
      this.closureDepth--;
    }
  }

  private postfix(node: ExprNode): ExprNode {
    for (;;) {
      const t = this.t;
      if (this.isOp('.') || this.isOp('?.')) {
        const opt = t.value === '?.';
        this.i++;
        if (opt && this.isOp('[')) {
          node = this.index(node, true);
          continue;
        }
        const name = this.t;
        if (name.kind !== 'id') throw this.unexpected('expected name after .');
        this.i++;
        const prop: ExprNode = this.node({ k: 'lit', v: name.value, pos: name.pos });
        node = this.node({ k: 'member', obj: node, prop, opt, pos: name.pos });
        if (this.isOp('(')) node = this.node({ k: 'call', callee: node, args: this.args('', 0), pos: name.pos });
      } else if (this.isOp('[')) {
        node = this.index(node, false);
      } else if (this.isOp('(') && node.k !== 'id') {
        node = this.node({ k: 'call', callee: node, args: this.args('', 0), pos: t.pos });
      } else return node;
    }
  }

  private index(obj: ExprNode, opt: boolean): ExprNode {
    const pos = this.expectOp('[').pos;
    if (this.isOp(':')) {
      this.i++;
      const to = this.isOp(']') ? undefined : this.expression(0);
      this.expectOp(']');
      return this.node({ k: 'slice', obj, to, pos });
    }
    const first = this.expression(0);
    if (this.isOp(':')) {
      this.i++;
      const to = this.isOp(']') ? undefined : this.expression(0);
      this.expectOp(']');
      return this.node({ k: 'slice', obj, from: first, to, pos });
    }
    this.expectOp(']');
    return this.node({ k: 'member', obj, prop: first, opt, pos });
  }

  private arrayLit(): ExprNode {
    const pos = this.expectOp('[').pos;
    const items: ExprNode[] = [];
    while (!this.isOp(']')) {
      if (items.length > 0) {
        this.expectOp(',');
        if (this.isOp(']')) break;
      }
      items.push(this.expression(0));
    }
    this.i++;
    return this.node({ k: 'array', items, pos });
  }

  private mapLit(): ExprNode {
    const pos = this.expectOp('{').pos;
    const entries: [ExprNode, ExprNode][] = [];
    while (!this.isOp('}')) {
      if (entries.length > 0) {
        this.expectOp(',');
        if (this.isOp('}')) break;
      }
      const t = this.t;
      let key: ExprNode;
      if (t.kind === 'id' || t.kind === 'str' || t.kind === 'num') {
        this.i++;
        key = this.node({ k: 'lit', v: t.kind === 'num' ? String(t.value) : t.value, pos: t.pos });
      } else if (this.isOp('(')) {
        this.i++;
        key = this.expression(0);
        this.expectOp(')');
      } else throw this.unexpected('expected map key');
      this.expectOp(':');
      entries.push([key, this.expression(0)]);
    }
    this.i++;
    return this.node({ k: 'map', entries, pos });
  }
}

function children(n: ExprNode): (ExprNode | undefined)[] {
  switch (n.k) {
    case 'member':
      return [n.obj, n.prop];
    case 'slice':
      return [n.obj, n.from, n.to];
    case 'call':
      return [n.callee, ...n.args];
    case 'closure':
      return [n.body];
    case 'unary':
      return [n.arg];
    case 'binary':
      return [n.left, n.right];
    case 'cond':
      return [n.test, n.then, n.else];
    case 'array':
      return n.items;
    case 'map':
      return n.entries.flat();
    case 'let':
      return [n.value, n.body];
    default:
      return [];
  }
}

/** Operator chains like `1+1+...` are built iteratively, so the finished tree's depth is checked separately. */
function checkTreeDepth(root: ExprNode): void {
  const stack: [ExprNode, number][] = [[root, 1]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [n, d] = item;
    if (d > MAX_TREE_DEPTH) throw exprError(`expression nested deeper than ${MAX_TREE_DEPTH} operations`, n.pos);
    for (const c of children(n)) if (c) stack.push([c, d + 1]);
  }
}

/** Parses an expr-lang expression; throws WeirError EXPRESSION_ERROR with the position on bad syntax. */
export function parseExpr(src: string): ExprNode {
  return new Parser(tokenize(src)).parseAll();
}
