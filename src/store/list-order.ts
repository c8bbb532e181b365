// List orders and their opaque continue tokens (keyset pagination: a token names the last item returned, so
// objects inserted or deleted between pages never shift the rest). Shared by every ResourceStore implementation.
import { WeirError } from '../core/errors.js';
import type { ListOrder } from './types.js';

/** Where a page ended: the last item's sort key in the list's order. */
export type Cursor = { order: 'name'; key: string } | { order: 'newest'; createdMs: number; createRv: number };

/** Sort key of one item; `createRv` is the resourceVersion of its create (unique, breaks timestamp ties). */
export interface SortKey {
  key: string;
  createdMs: number;
  createRv: number;
}

export function listOrder(order: ListOrder | undefined): ListOrder {
  if (order === undefined || order === 'name' || order === 'newest') return order ?? 'name';
  throw new WeirError('INVALID_ARGUMENT', `unknown list order ${JSON.stringify(order)} (want name or newest)`);
}

export function cursorOf(order: ListOrder, k: SortKey): Cursor {
  return order === 'name' ? { order, key: k.key } : { order, createdMs: k.createdMs, createRv: k.createRv };
}

/** True when `k` sorts after the cursor in its order. */
export function isAfter(c: Cursor, k: SortKey): boolean {
  if (c.order === 'name') return k.key > c.key;
  return k.createdMs < c.createdMs || (k.createdMs === c.createdMs && k.createRv < c.createRv);
}

/** Comparator for an order: name ascending, or newest creationTimestamp first (later creates first on ties). */
export function compareSortKeys(order: ListOrder): (a: SortKey, b: SortKey) => number {
  if (order === 'name') return (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  return (a, b) => b.createdMs - a.createdMs || b.createRv - a.createRv;
}

export function encodeContinue(c: Cursor): string {
  const body = c.order === 'name' ? { v: 1, o: 'name', k: c.key } : { v: 1, o: 'newest', t: c.createdMs, r: c.createRv };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** Decodes a token; INVALID_ARGUMENT if it is malformed or was issued for another order. */
export function decodeContinue(token: string, order: ListOrder): Cursor {
  let v: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed !== null && typeof parsed === 'object') v = parsed as Record<string, unknown>;
  } catch {
    v = undefined;
  }
  if (v?.v === 1 && v.o === order) {
    if (order === 'name' && typeof v.k === 'string') return { order, key: v.k };
    if (order === 'newest' && Number.isSafeInteger(v.t) && Number.isSafeInteger(v.r)) {
      return { order, createdMs: v.t as number, createRv: v.r as number };
    }
  }
  throw new WeirError('INVALID_ARGUMENT', `invalid continue token ${JSON.stringify(token)} for order ${order}`);
}
