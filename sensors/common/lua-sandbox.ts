// A sandboxed Lua 5.4 VM (wasmoon: Lua compiled to WebAssembly, shipped in the npm package) for Argo Events' `script`
// filters and `transform.script`: the event data is the global `event` (a table copy, no JS objects), the chunk's
// return value comes back as JSON data. Each run gets a fresh Lua state with no host access (no io, os beyond
// time/date/clock, package/require, load/dofile/loadfile, debug, collectgarbage), a memory cap and a deadline checked
// by an instruction-count hook, so a script cannot read files, keep state between events or stall the server.
import { LuaEngine, LuaFactory } from 'wasmoon';
import type { LuaWasm } from 'wasmoon';
import { toPlainJson } from '../../src/core/json-lossless.js';
import { errorMessage } from '../../src/core/errors.js';

/** Limits of one run. */
export const LUA_MEMORY_BYTES = 16 * 1024 * 1024;
export const LUA_TIMEOUT_MS = 250;
const MAX_SCRIPT = 64 * 1024;

const SANDBOX = `
local t, d, c = os.time, os.date, os.clock
os = { time = t, date = d, clock = c }
io = nil; package = nil; require = nil; dofile = nil; loadfile = nil; load = nil; loadstring = nil
debug = nil; collectgarbage = nil
`;

let module: LuaWasm | undefined;
let loading: Promise<LuaWasm> | undefined;

/** Loads the WebAssembly Lua once (the host awaits this at start; runs before that fail with a clear error). */
export function loadLua(): Promise<LuaWasm> {
  loading ??= new LuaFactory().getLuaModule().then((m) => (module = m));
  return loading;
}

export type LuaOutcome = { ok: true; value: unknown } | { ok: false; error: string };

/** Runs `script` with `event` bound to `data`; returns the chunk's first return value as JSON data. */
export function runLua(script: string, data: unknown): LuaOutcome {
  if (module === undefined) {
    void loadLua();
    return { ok: false, error: 'the Lua runtime is still loading; try again' };
  }
  if (script.length > MAX_SCRIPT) return { ok: false, error: `script longer than ${MAX_SCRIPT} characters` };
  const engine = new LuaEngine(module, { openStandardLibs: true, injectObjects: false, enableProxy: false, traceAllocations: true });
  try {
    engine.doStringSync(SANDBOX);
    engine.global.setMemoryMax(LUA_MEMORY_BYTES);
    engine.global.set('event', toPlainJson(data));
    engine.global.setTimeout(Date.now() + LUA_TIMEOUT_MS);
    const value: unknown = engine.doStringSync(script);
    return { ok: true, value: value === undefined ? null : value };
  } catch (e) {
    const msg = errorMessage(e);
    return { ok: false, error: msg === 'thread timeout exceeded' ? `script ran longer than ${LUA_TIMEOUT_MS} ms` : msg };
  } finally {
    engine.global.close();
  }
}
