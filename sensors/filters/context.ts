// Context filter (`filters.context`): CloudEvent attributes must equal the given ones. As in Argo, only type,
// subject, source and datacontenttype are compared (id, time and specversion are accepted but not enforced).
import type { FilterKind } from './types.js';
import { PASS, fail } from './types.js';

export interface ContextFilterSpec {
  type?: string;
  subject?: string;
  source?: string;
  datacontenttype?: string;
  [k: string]: unknown;
}

const KEYS = ['type', 'subject', 'source', 'datacontenttype'] as const;

export const contextFilter: FilterKind<ContextFilterSpec> = {
  kind: 'context',
  run(spec, _op, event) {
    for (const k of KEYS) {
      const want = spec[k];
      if (typeof want === 'string' && want !== '' && event[k] !== want) {
        return fail(`${k} is ${JSON.stringify(event[k])}, want ${JSON.stringify(want)}`);
      }
    }
    return PASS;
  },
};
