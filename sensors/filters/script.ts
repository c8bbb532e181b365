// Script filter (`filters.script`): a Lua chunk run in the sandbox (lua-sandbox.ts) with the event data as the global
// `event`; the event passes when the chunk returns `true` (Argo Events' semantics: any other value filters it out,
// an error filters it out as an error).
import { runLua } from '../common/lua-sandbox.js';
import type { FilterKind } from './types.js';
import { PASS, fail, failErr } from './types.js';

export const scriptFilter: FilterKind<string> = {
  kind: 'script',
  run(script, _op, event) {
    if (event.data === undefined || event.data === null) return PASS;
    const r = runLua(script, event.data);
    if (!r.ok) return failErr(`script: ${r.error}`);
    return r.value === true ? PASS : fail(`script returned ${JSON.stringify(r.value)}`);
  },
};
