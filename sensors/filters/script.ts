// Script filter (`filters.script`, Lua in Argo Events): not supported by Weir — there is no Lua interpreter and we
// will not embed one that evaluates strings. A dependency with a script filter never passes, and the decision
// says why, so the gap is visible instead of silently letting events through.
import type { FilterKind } from './types.js';
import { failErr } from './types.js';

export const scriptFilter: FilterKind<string> = {
  kind: 'script',
  run() {
    return failErr('script filter: Lua scripts are not supported by Weir (use exprs or data filters)');
  },
};
