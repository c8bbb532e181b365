// Tokenizer for the expr-lang language (github.com/expr-lang/expr) as used by Argo's `{{=...}}` tags:
// numbers (dec/hex/octal/binary, `_` separators, floats), quoted/raw strings, identifiers, operators, comments.
import { exprError, table } from './expr-values.js';

export type TokenKind = 'num' | 'str' | 'id' | 'op' | 'ptr' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Operator/identifier text, pointer name (``, `index`, `acc`), or the literal's value. */
  value: string | number;
  pos: number;
}

export const MAX_SOURCE = 64 * 1024;

const OPS3: string[] = [];
const OPS2 = ['?.', '??', '..', '**', '==', '!=', '<=', '>=', '&&', '||'];
const OPS1 = '+-*/%^<>!?:.,()[]{}|;=';

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdStart = (c: string): boolean => /[A-Za-z_$]/.test(c);
const isIdPart = (c: string): boolean => /[A-Za-z0-9_$]/.test(c);

export function tokenize(src: string): Token[] {
  if (src.length > MAX_SOURCE) throw exprError(`expression longer than ${MAX_SOURCE} characters`);
  const out: Token[] = [];
  let i = 0;
  const valueLike = (): boolean => {
    const t = out[out.length - 1];
    return t !== undefined && (t.kind !== 'op' || t.value === ')' || t.value === ']' || t.value === '}');
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw exprError('unclosed comment', i);
      i = end + 2;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1] ?? '') && !valueLike())) {
      const [value, next] = readNumber(src, i);
      out.push({ kind: 'num', value, pos: start });
      i = next;
      continue;
    }
    if (c === '"' || c === "'") {
      const [value, next] = readQuoted(src, i);
      out.push({ kind: 'str', value, pos: start });
      i = next;
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw exprError('literal not terminated', i);
      out.push({ kind: 'str', value: src.slice(i + 1, end), pos: start });
      i = end + 1;
      continue;
    }
    if (c === '#') {
      i++;
      let name = '';
      while (i < src.length && isIdPart(src[i])) name += src[i++];
      if (name !== '' && name !== 'index' && name !== 'acc') throw exprError(`unknown pointer #${name}`, start);
      out.push({ kind: 'ptr', value: name, pos: start });
      continue;
    }
    if (isIdStart(c)) {
      while (i < src.length && isIdPart(src[i])) i++;
      out.push({ kind: 'id', value: src.slice(start, i), pos: start });
      continue;
    }
    const op = [...OPS3, ...OPS2].find((o) => src.startsWith(o, i)) ?? (OPS1.includes(c) ? c : undefined);
    if (op === undefined) throw exprError(`unexpected character ${JSON.stringify(c)}`, i);
    out.push({ kind: 'op', value: op, pos: start });
    i += op.length;
  }
  out.push({ kind: 'eof', value: '', pos: src.length });
  return out;
}

function readNumber(src: string, i: number): [number, number] {
  const start = i;
  const radix = /^0[xX]/.test(src.slice(i, i + 2))
    ? 16
    : /^0[oO]/.test(src.slice(i, i + 2))
      ? 8
      : /^0[bB]/.test(src.slice(i, i + 2))
        ? 2
        : 10;
  if (radix !== 10) {
    i += 2;
    const digits = /^[0-9a-fA-F_]*/.exec(src.slice(i))?.[0] ?? '';
    i += digits.length;
    const clean = digits.replace(/_/g, '');
    const n = parseInt(clean, radix);
    if (clean === '' || Number.isNaN(n) || !new RegExp(`^[${'0123456789abcdef'.slice(0, radix)}]+$`, 'i').test(clean)) {
      throw exprError(`invalid number ${src.slice(start, i)}`, start);
    }
    return [n, i];
  }
  while (i < src.length && (isDigit(src[i]) || src[i] === '_')) i++;
  if (src[i] === '.' && src[i + 1] !== '.') {
    i++;
    while (i < src.length && (isDigit(src[i]) || src[i] === '_')) i++;
  }
  if ((src[i] === 'e' || src[i] === 'E') && /^[eE][+-]?\d/.test(src.slice(i, i + 3))) {
    i += src[i + 1] === '+' || src[i + 1] === '-' ? 2 : 1;
    while (i < src.length && isDigit(src[i])) i++;
  }
  const text = src.slice(start, i).replace(/_/g, '');
  const n = Number(text);
  if (Number.isNaN(n)) throw exprError(`invalid number ${text}`, start);
  if (isIdStart(src[i] ?? ' ')) throw exprError(`invalid number literal`, start);
  return [n, i];
}

const ESC = table<string>({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', '\\': '\\', "'": "'", '"': '"', '`': '`' });

function readQuoted(src: string, i: number): [string, number] {
  const quote = src[i];
  const start = i;
  i++;
  let out = '';
  while (i < src.length && src[i] !== quote) {
    const c = src[i];
    if (c === '\n') throw exprError('literal not terminated', start);
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = src[i + 1] ?? '';
    const esc = ESC[e];
    if (esc !== undefined) {
      out += esc;
      i += 2;
    } else if (e === 'u' || e === 'x' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = src.slice(i + 2, i + 2 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw exprError('invalid escape sequence', i);
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) throw exprError('invalid escape sequence', i);
      out += String.fromCodePoint(cp);
      i += 2 + len;
    } else if (/[0-7]/.test(e)) {
      const oct = src.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) throw exprError('invalid escape sequence', i);
      out += String.fromCharCode(parseInt(oct, 8));
      i += 4;
    } else throw exprError('invalid escape sequence', i);
  }
  if (i >= src.length) throw exprError('literal not terminated', start);
  return [out, i + 1];
}
