// A small interpreter for the Go text/template subset Argo Events users write in `dataTemplate`, `contextTemplate`
// and data-filter `template`: `{{ .Input.body.x }}`, pipelines (`{{ .Input | upper }}`), function calls with
// literal and field arguments, parentheses, `{{- -}}` trimming, comments, and `if`/`else if`/`else`/`with`/
// `range`/`end`. Data is only ever read, never evaluated; output is a string.
import { FUNCS, goPrint, tplError, truthy } from './go-template-funcs.js';

type Arg =
  { t: 'field'; base: 'dot' | 'root'; path: string[] } | { t: 'lit'; v: unknown } | { t: 'fn'; name: string } | { t: 'pipe'; pipe: Pipe };
type Cmd = Arg[];
type Pipe = Cmd[];
type Node =
  | { t: 'text'; s: string }
  | { t: 'out'; pipe: Pipe }
  | { t: 'if' | 'with'; pipe: Pipe; then: Node[]; else: Node[] }
  | { t: 'range'; pipe: Pipe; body: Node[]; else: Node[] };

export interface CompiledTemplate {
  readonly source: string;
  execute(data: unknown): string;
}

const MAX_SOURCE = 64 * 1024;
const MAX_OUTPUT = 1 << 20;
const MAX_STEPS = 100_000;

// ---- lexing of one action ----

function tokenizeAction(src: string): string[] {
  const toks: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw tplError('unterminated quoted string');
      toks.push(src.slice(i, j + 1));
      i = j + 1;
    } else if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) throw tplError('unterminated raw quoted string');
      toks.push(src.slice(i, j + 1));
      i = j + 1;
    } else if (c === '|' || c === '(' || c === ')') {
      toks.push(c);
      i++;
    } else {
      let j = i;
      while (j < src.length && !/[\s|()"`]/.test(src[j])) j++;
      toks.push(src.slice(i, j));
      i = j;
    }
  }
  return toks;
}

function parsePipe(toks: string[], at: { i: number }, closing: boolean): Pipe {
  const pipe: Pipe = [];
  let cmd: Cmd = [];
  while (at.i < toks.length) {
    const tok = toks[at.i];
    if (tok === ')') {
      if (!closing) throw tplError('unexpected ")"');
      break;
    }
    at.i++;
    if (tok === '|') {
      if (cmd.length === 0) throw tplError('missing command before "|"');
      pipe.push(cmd);
      cmd = [];
    } else if (tok === '(') {
      cmd.push({ t: 'pipe', pipe: parsePipe(toks, at, true) });
      if (toks[at.i] !== ')') throw tplError('unclosed "("');
      at.i++;
    } else cmd.push(parseOperand(tok));
  }
  if (cmd.length === 0) throw tplError('missing value for command');
  pipe.push(cmd);
  return pipe;
}

function parseOperand(tok: string): Arg {
  if (tok.startsWith('"')) {
    try {
      return { t: 'lit', v: JSON.parse(tok) as string };
    } catch {
      throw tplError(`bad string literal ${tok}`);
    }
  }
  if (tok.startsWith('`')) return { t: 'lit', v: tok.slice(1, -1) };
  if (tok === '.') return { t: 'field', base: 'dot', path: [] };
  if (tok.startsWith('.')) return { t: 'field', base: 'dot', path: tok.slice(1).split('.') };
  if (tok === '$') return { t: 'field', base: 'root', path: [] };
  if (tok.startsWith('$.')) return { t: 'field', base: 'root', path: tok.slice(2).split('.') };
  if (tok === 'true' || tok === 'false') return { t: 'lit', v: tok === 'true' };
  if (tok === 'nil') return { t: 'lit', v: null };
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(tok) || /^0x[0-9a-fA-F]+$/.test(tok)) return { t: 'lit', v: Number(tok) };
  if (/^'.'$/.test(tok)) return { t: 'lit', v: tok.charCodeAt(1) };
  if (/^[A-Za-z_]\w*$/.test(tok)) {
    if (!Object.prototype.hasOwnProperty.call(FUNCS, tok)) throw tplError(`function "${tok}" not defined`);
    return { t: 'fn', name: tok };
  }
  if (tok.startsWith('$')) throw tplError(`template variables are not supported: ${tok}`);
  throw tplError(`unexpected ${JSON.stringify(tok)} in command`);
}

// ---- parsing of the whole template ----

interface Action {
  kind: 'text' | 'action';
  s: string;
}

function split(src: string): Action[] {
  const out: Action[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ kind: 'text', s: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src.startsWith('- ', start) || src.startsWith('-\t', start) || src.startsWith('-\n', start)) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    const close = src.indexOf('}}', start);
    if (close < 0) throw tplError('unclosed action');
    let body = src.slice(start, close);
    let next = close + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      const m = /^\s*/.exec(src.slice(next));
      next += m ? m[0].length : 0;
    }
    out.push({ kind: 'text', s: text });
    out.push({ kind: 'action', s: body.trim() });
    i = next;
  }
  return out.filter((a) => a.kind === 'action' || a.s !== '');
}

function parseNodes(actions: Action[], at: { i: number }, stopAt: readonly string[]): { nodes: Node[]; stop: string } {
  const nodes: Node[] = [];
  while (at.i < actions.length) {
    const a = actions[at.i++];
    if (a.kind === 'text') {
      nodes.push({ t: 'text', s: a.s });
      continue;
    }
    const s = a.s;
    if (s.startsWith('/*')) {
      if (!s.endsWith('*/')) throw tplError('unclosed comment');
      continue;
    }
    const word = /^(\w+)\b/.exec(s)?.[1] ?? '';
    if (word === 'end' || word === 'else') {
      if (!stopAt.includes(word)) throw tplError(`unexpected {{${word}}}`);
      return { nodes, stop: s };
    }
    if (word === 'if' || word === 'with' || word === 'range') {
      nodes.push(parseBlock(word, s.slice(word.length), actions, at));
      continue;
    }
    if (word === 'define' || word === 'template' || word === 'block' || word === 'break' || word === 'continue') {
      throw tplError(`{{${word}}} is not supported`);
    }
    nodes.push({ t: 'out', pipe: parsePipe(tokenizeAction(s), { i: 0 }, false) });
  }
  if (stopAt.length > 0) throw tplError('unexpected EOF: missing {{end}}');
  return { nodes, stop: '' };
}

/** Parses `if`/`with`/`range` through its `end`; `else if X` nests an `if` that shares the outer `end`. */
function parseBlock(word: 'if' | 'with' | 'range', pipeSrc: string, actions: Action[], at: { i: number }): Node {
  const pipe = parsePipe(tokenizeAction(pipeSrc), { i: 0 }, false);
  const body = parseNodes(actions, at, ['end', 'else']);
  let elseNodes: Node[] = [];
  if (body.stop.startsWith('else')) {
    const rest = body.stop.slice(4).trim();
    const chained = /^(if|with)\b/.exec(rest)?.[1] as 'if' | 'with' | undefined;
    elseNodes = chained ? [parseBlock(chained, rest.slice(chained.length), actions, at)] : parseNodes(actions, at, ['end']).nodes;
  }
  if (word === 'range') return { t: 'range', pipe, body: body.nodes, else: elseNodes };
  return { t: word, pipe, then: body.nodes, else: elseNodes };
}

/** Parses a template once; throws WeirError EXPRESSION_ERROR on syntax errors or unknown functions. */
export function compileTemplate(source: string): CompiledTemplate {
  if (source.length > MAX_SOURCE) throw tplError('template too long');
  const actions = split(source);
  const { nodes } = parseNodes(actions, { i: 0 }, []);
  return {
    source,
    execute(data: unknown): string {
      const st = { out: '', steps: 0, root: data };
      run(nodes, data, st);
      return st.out;
    },
  };
}

/** Parses and executes in one go. */
export function renderTemplate(source: string, data: unknown): string {
  return compileTemplate(source).execute(data);
}

// ---- execution ----

interface ExecState {
  out: string;
  steps: number;
  root: unknown;
}

function field(base: unknown, path: readonly string[]): unknown {
  let cur = base;
  for (const k of path) {
    if (cur === undefined || cur === null) throw tplError(`nil pointer evaluating interface {}.${k}`);
    if (typeof cur !== 'object' || Array.isArray(cur))
      throw tplError(`can't evaluate field ${k} in type ${Array.isArray(cur) ? '[]interface {}' : typeof cur}`);
    cur = Object.prototype.hasOwnProperty.call(cur, k) ? (cur as Record<string, unknown>)[k] : undefined;
  }
  return cur;
}

function evalArg(a: Arg, dot: unknown, st: ExecState): unknown {
  switch (a.t) {
    case 'lit':
      return a.v;
    case 'field':
      return field(a.base === 'dot' ? dot : st.root, a.path);
    case 'pipe':
      return evalPipe(a.pipe, dot, st);
    case 'fn':
      return FUNCS[a.name]();
  }
}

function evalPipe(pipe: Pipe, dot: unknown, st: ExecState): unknown {
  let prev: unknown;
  let has = false;
  for (const cmd of pipe) {
    if (++st.steps > MAX_STEPS) throw tplError('template exhausted its step budget');
    const [head, ...rest] = cmd;
    const args = rest.map((r) => evalArg(r, dot, st));
    if (has) args.push(prev);
    if (head.t === 'fn') {
      prev = FUNCS[head.name](...args);
    } else {
      if (args.length > 0) throw tplError(`can't give argument to non-function`);
      prev = evalArg(head, dot, st);
    }
    has = true;
  }
  return prev;
}

function emit(st: ExecState, s: string): void {
  st.out += s;
  if (st.out.length > MAX_OUTPUT) throw tplError('template output too large');
}

function run(nodes: readonly Node[], dot: unknown, st: ExecState): void {
  for (const n of nodes) {
    switch (n.t) {
      case 'text':
        emit(st, n.s);
        break;
      case 'out':
        emit(st, goPrint(evalPipe(n.pipe, dot, st)));
        break;
      case 'if': {
        const v = evalPipe(n.pipe, dot, st);
        run(truthy(v) ? n.then : n.else, dot, st);
        break;
      }
      case 'with': {
        const v = evalPipe(n.pipe, dot, st);
        if (truthy(v)) run(n.then, v, st);
        else run(n.else, dot, st);
        break;
      }
      case 'range': {
        const v = evalPipe(n.pipe, dot, st);
        const items = Array.isArray(v)
          ? v
          : v !== null && typeof v === 'object'
            ? Object.keys(v)
                .sort()
                .map((k) => (v as Record<string, unknown>)[k])
            : [];
        if (items.length === 0) run(n.else, dot, st);
        for (const item of items) {
          if (++st.steps > MAX_STEPS) throw tplError('template exhausted its step budget');
          run(n.body, item, st);
        }
        break;
      }
    }
  }
}
