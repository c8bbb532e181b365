// Parser and evaluator for Sensor trigger `conditions`: boolean expressions over dependency names with
// `&&`, `||`, `!` and parentheses, e.g. "push && (approved || !blocked)". Names may contain letters, digits,
// '_', '-' and '.' (dependency names like "build-done" are plain names here, never subtraction).
import { WeirError } from '../core/errors.js';

export type ConditionsAst =
  | { readonly kind: 'dep'; readonly name: string; readonly pos: number }
  | { readonly kind: 'not'; readonly operand: ConditionsAst }
  | { readonly kind: 'and' | 'or'; readonly left: ConditionsAst; readonly right: ConditionsAst };

type Token =
  { type: 'name'; value: string; pos: number } | { type: '&&' | '||' | '!' | '(' | ')'; pos: number } | { type: 'end'; pos: number };

const NAME_START = /[A-Za-z0-9_]/;
const NAME_CHAR = /[A-Za-z0-9_.-]/;

function syntaxError(src: string, pos: number, what: string): WeirError {
  return new WeirError('EXPRESSION_ERROR', `conditions ${JSON.stringify(src)}: ${what} at position ${pos + 1}`, {
    details: { position: pos },
  });
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '&' || c === '|') {
      if (src[i + 1] !== c) throw syntaxError(src, i, `expected "${c}${c}"`);
      tokens.push({ type: c === '&' ? '&&' : '||', pos: i });
      i += 2;
    } else if (c === '!' || c === '(' || c === ')') {
      tokens.push({ type: c, pos: i });
      i++;
    } else if (NAME_START.test(c)) {
      const start = i;
      while (i < src.length && NAME_CHAR.test(src[i])) i++;
      tokens.push({ type: 'name', value: src.slice(start, i), pos: start });
    } else {
      throw syntaxError(src, i, `unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ type: 'end', pos: src.length });
  return tokens;
}

/** Parses a conditions expression. Throws WeirError('EXPRESSION_ERROR') with the position of the problem. */
export function parseConditions(src: string): ConditionsAst {
  const tokens = tokenize(src);
  let at = 0;
  const peek = (): Token => tokens[at];
  const describe = (t: Token): string => (t.type === 'end' ? 'end of expression' : t.type === 'name' ? `name "${t.value}"` : `"${t.type}"`);

  const parseOr = (): ConditionsAst => {
    let left = parseAnd();
    while (peek().type === '||') {
      at++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): ConditionsAst => {
    let left = parseUnary();
    while (peek().type === '&&') {
      at++;
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): ConditionsAst => {
    const t = peek();
    if (t.type === '!') {
      at++;
      return { kind: 'not', operand: parseUnary() };
    }
    if (t.type === '(') {
      at++;
      const inner = parseOr();
      const close = peek();
      if (close.type !== ')') throw syntaxError(src, close.pos, `expected ")" but found ${describe(close)}`);
      at++;
      return inner;
    }
    if (t.type === 'name') {
      at++;
      return { kind: 'dep', name: t.value, pos: t.pos };
    }
    throw syntaxError(src, t.pos, `expected a dependency name, "!" or "(" but found ${describe(t)}`);
  };

  if (peek().type === 'end') throw syntaxError(src, 0, 'empty expression');
  const ast = parseOr();
  const rest = peek();
  if (rest.type !== 'end') throw syntaxError(src, rest.pos, `unexpected ${describe(rest)}`);
  return ast;
}

/** Evaluates a parsed expression; `satisfied(name)` says whether that dependency has a matching event. */
export function evaluateConditions(ast: ConditionsAst, satisfied: (name: string) => boolean): boolean {
  switch (ast.kind) {
    case 'dep':
      return satisfied(ast.name);
    case 'not':
      return !evaluateConditions(ast.operand, satisfied);
    case 'and':
      return evaluateConditions(ast.left, satisfied) && evaluateConditions(ast.right, satisfied);
    case 'or':
      return evaluateConditions(ast.left, satisfied) || evaluateConditions(ast.right, satisfied);
  }
}

/** Dependency names referenced by the expression, in order of first appearance, with their positions. */
export function conditionNames(ast: ConditionsAst): { name: string; pos: number }[] {
  const out: { name: string; pos: number }[] = [];
  const seen = new Set<string>();
  const visit = (n: ConditionsAst): void => {
    if (n.kind === 'dep') {
      if (!seen.has(n.name)) {
        seen.add(n.name);
        out.push({ name: n.name, pos: n.pos });
      }
    } else if (n.kind === 'not') visit(n.operand);
    else {
      visit(n.left);
      visit(n.right);
    }
  };
  visit(ast);
  return out;
}
