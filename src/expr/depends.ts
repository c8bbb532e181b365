// Argo's enhanced DAG `depends` logic: `A && (B.Succeeded || C.Failed) && !D.Skipped`, where a bare `A` means
// `(A.Succeeded || A.Skipped || A.Daemoned)` (plus `.Errored`/`.Failed` when A has continueOn), and
// `.AnySucceeded`/`.AllFailed` look at the children of a loop-expanded task. Evaluation is undecided until every
// referenced task has finished.
import { WeirError } from '../core/errors.js';

export const TASK_RESULTS = ['Succeeded', 'Failed', 'Errored', 'Skipped', 'Omitted', 'Daemoned', 'AnySucceeded', 'AllFailed'] as const;
export type TaskResultName = (typeof TASK_RESULTS)[number];

export type DependsNode =
  | { k: 'task'; task: string; result?: TaskResultName; pos: number }
  | { k: 'not'; arg: DependsNode }
  | { k: 'and' | 'or'; left: DependsNode; right: DependsNode };

/** What the DAG knows about a dependency. */
export interface TaskResult {
  /** Node phase: Pending, Running, Succeeded, Failed, Error, Skipped, Omitted. */
  phase: string;
  /** The task runs a daemon template. */
  daemoned?: boolean;
  /** Phases of the children when the task was expanded by withItems/withParam/withSequence. */
  childPhases?: string[];
  /** The dependency's own `continueOn`, which widens what a bare reference accepts. */
  continueOn?: { failed?: boolean; error?: boolean };
}

const MAX_DEPENDS = 10_000;
const FINISHED = new Set(['Succeeded', 'Failed', 'Error', 'Skipped', 'Omitted']);

function fail(msg: string, src: string, pos: number): WeirError {
  return new WeirError('EXPRESSION_ERROR', `invalid depends '${src}': ${msg} (at position ${pos + 1})`, {
    details: { expression: src, position: pos },
  });
}

interface Tok {
  v: string;
  pos: number;
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s+|&&|\|\||!|\(|\)|[A-Za-z0-9_][-A-Za-z0-9_]*(?:\.[A-Za-z]+)?/y;
  let i = 0;
  while (i < src.length) {
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) throw fail(`unexpected character ${JSON.stringify(src[i])}`, src, i);
    if (m[0].trim() !== '') out.push({ v: m[0], pos: i });
    i = re.lastIndex;
  }
  return out;
}

/** Parses a depends expression; throws EXPRESSION_ERROR naming the position of a syntax error or bad result. */
export function parseDepends(src: string): DependsNode {
  if (src.length > MAX_DEPENDS) throw fail(`longer than ${MAX_DEPENDS} characters`, src.slice(0, 80), 0);
  const toks = tokenize(src);
  let i = 0;
  let depth = 0;
  const peek = (): Tok | undefined => toks[i];
  const end = (): number => toks[i]?.pos ?? src.length;
  const or = (): DependsNode => {
    let left = and();
    while (peek()?.v === '||') {
      i++;
      left = { k: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): DependsNode => {
    let left = unary();
    while (peek()?.v === '&&') {
      i++;
      left = { k: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): DependsNode => {
    const t = toks[i++];
    if (!t) throw fail('unexpected end of expression', src, src.length);
    if (t.v === '!') return { k: 'not', arg: nested(unary) };
    if (t.v === '(') {
      const inner = nested(or);
      if (peek()?.v !== ')') throw fail('expected )', src, end());
      i++;
      return inner;
    }
    if (!/^[A-Za-z0-9_]/.test(t.v)) throw fail(`unexpected ${JSON.stringify(t.v)}`, src, t.pos);
    const dot = t.v.indexOf('.');
    if (dot < 0) return { k: 'task', task: t.v, pos: t.pos };
    const result = t.v.slice(dot + 1);
    if (!(TASK_RESULTS as readonly string[]).includes(result)) {
      throw fail(`task result '${result}' for task '${t.v.slice(0, dot)}' is invalid`, src, t.pos + dot + 1);
    }
    return { k: 'task', task: t.v.slice(0, dot), result: result as TaskResultName, pos: t.pos };
  };
  const nested = (f: () => DependsNode): DependsNode => {
    if (++depth > 64) throw fail('nested deeper than 64', src.slice(0, 80), end());
    try {
      return f();
    } finally {
      depth--;
    }
  };
  if (toks.length === 0) throw fail('empty expression', src, 0);
  const root = or();
  if (i < toks.length) throw fail(`unexpected ${JSON.stringify(toks[i].v)}`, src, toks[i].pos);
  return root;
}

/** Names of the tasks referenced, in order of first appearance. */
export function dependsTaskNames(node: DependsNode): string[] {
  const out: string[] = [];
  const walk = (n: DependsNode): void => {
    if (n.k === 'task') {
      if (!out.includes(n.task)) out.push(n.task);
    } else if (n.k === 'not') walk(n.arg);
    else {
      walk(n.left);
      walk(n.right);
    }
  };
  walk(node);
  return out;
}

function finished(r: TaskResult): boolean {
  return FINISHED.has(r.phase) || (r.daemoned === true && r.phase !== 'Pending');
}

function resultHolds(r: TaskResult, name: TaskResultName | undefined): boolean {
  const children = r.childPhases ?? [];
  switch (name) {
    case undefined:
      return (
        resultHolds(r, 'Succeeded') ||
        resultHolds(r, 'Skipped') ||
        resultHolds(r, 'Daemoned') ||
        (r.continueOn?.error === true && r.phase === 'Error') ||
        (r.continueOn?.failed === true && r.phase === 'Failed')
      );
    case 'Succeeded':
    case 'Failed':
    case 'Skipped':
    case 'Omitted':
      return r.phase === name;
    case 'Errored':
      return r.phase === 'Error';
    case 'Daemoned':
      return r.daemoned === true && r.phase !== 'Pending';
    case 'AnySucceeded':
      return children.includes('Succeeded');
    case 'AllFailed':
      return children.length > 0 && children.every((p) => p === 'Failed');
  }
}

/**
 * Evaluates depends logic. Returns undefined while any referenced task is unknown or unfinished
 * (Argo waits for all of them before deciding), otherwise whether the dependent task should run.
 */
export function evaluateDepends(node: DependsNode, results: (task: string) => TaskResult | undefined): boolean | undefined {
  const known = new Map<string, TaskResult>();
  for (const name of dependsTaskNames(node)) {
    const r = results(name);
    if (!r || !finished(r)) return undefined;
    known.set(name, r);
  }
  const ev = (n: DependsNode): boolean => {
    if (n.k === 'task') return resultHolds(known.get(n.task) as TaskResult, n.result);
    if (n.k === 'not') return !ev(n.arg);
    return n.k === 'and' ? ev(n.left) && ev(n.right) : ev(n.left) || ev(n.right);
  };
  return ev(node);
}

/** Argo's conversion of `dependencies: [A, B]` into `depends: "A && B"`. */
export function dependenciesToDepends(deps: string[]): string {
  return deps.join(' && ');
}
