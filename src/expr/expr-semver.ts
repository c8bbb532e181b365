// A small semantic-version constraint checker for sprig's semverCompare (Masterminds/semver style):
// `=`, `!=`, `>`, `<`, `>=`, `<=`, `~` (patch-level), `^` (major-level), x/* wildcards, `,`/space for AND, `||` for OR.
import { exprError } from './expr-values.js';

interface Ver {
  n: [number, number, number];
  pre: string;
  parts: number;
}

function parseVer(s: string, loose: boolean): Ver {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(s.trim());
  if (!m) throw exprError(`semverCompare: invalid ${loose ? 'constraint' : 'version'} ${JSON.stringify(s)}`);
  const raw = [m[1], m[2], m[3]];
  let parts = 0;
  for (const p of raw) {
    if (p === undefined || /[xX*]/.test(p)) break;
    parts++;
  }
  if (!loose && parts < 3 && raw.some((p) => p !== undefined && /[xX*]/.test(p))) {
    throw exprError(`semverCompare: invalid version ${JSON.stringify(s)}`);
  }
  const n = raw.map((p, i) => (i < parts ? Number(p) : 0)) as [number, number, number];
  return { n, pre: m[4] ?? '', parts };
}

function cmp(a: Ver, b: Ver): number {
  for (let i = 0; i < 3; i++) if (a.n[i] !== b.n[i]) return a.n[i] < b.n[i] ? -1 : 1;
  if (a.pre === b.pre) return 0;
  if (a.pre === '') return 1;
  if (b.pre === '') return -1;
  return a.pre < b.pre ? -1 : 1;
}

function bump(v: Ver, idx: number): Ver {
  const n: [number, number, number] = [...v.n];
  n[idx]++;
  for (let i = idx + 1; i < 3; i++) n[i] = 0;
  return { n, pre: '', parts: 3 };
}

function check(op: string, c: Ver, v: Ver): boolean {
  const wildcardUpper = c.parts < 3 ? bump(c, Math.max(0, c.parts - 1)) : undefined;
  switch (op) {
    case '':
    case '=':
      return c.parts === 0 || (wildcardUpper ? cmp(v, c) >= 0 && cmp(v, wildcardUpper) < 0 : cmp(v, c) === 0);
    case '!=':
      return !check('=', c, v);
    case '>':
      return wildcardUpper ? cmp(v, wildcardUpper) >= 0 : cmp(v, c) > 0;
    case '>=':
    case '=>':
      return cmp(v, c) >= 0;
    case '<':
      return cmp(v, c) < 0;
    case '<=':
    case '=<':
      return wildcardUpper ? cmp(v, wildcardUpper) < 0 : cmp(v, c) <= 0;
    case '~':
    case '~>':
      return cmp(v, c) >= 0 && cmp(v, bump(c, c.parts <= 1 ? 0 : 1)) < 0;
    case '^': {
      const idx = c.n[0] > 0 || c.parts <= 1 ? 0 : c.n[1] > 0 || c.parts <= 2 ? 1 : 2;
      return cmp(v, c) >= 0 && cmp(v, bump(c, idx)) < 0;
    }
  }
  throw exprError(`semverCompare: unknown operator ${op}`);
}

/** True when `version` satisfies `constraint`. Prerelease versions only match constraints that mention one. */
export function semverCompare(constraint: string, version: string): boolean {
  const v = parseVer(version, false);
  return constraint.split('||').some((group) => {
    const terms = group
      .trim()
      .replace(/(=>|=<|>=|<=|!=|~>|[=<>~^])\s+/g, '$1')
      .split(/[\s,]+/)
      .filter(Boolean);
    if (terms.length === 0) throw exprError(`semverCompare: empty constraint`);
    return terms.every((t) => {
      const m = /^(=>|=<|>=|<=|!=|~>|[=<>~^])?(.*)$/.exec(t) as RegExpExecArray;
      const c = parseVer(m[2], true);
      if (v.pre !== '' && c.pre === '') return false;
      return check(m[1] ?? '', c, v);
    });
  });
}
