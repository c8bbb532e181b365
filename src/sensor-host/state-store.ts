// Sensor partial state in the bus key-value store: one key per trigger (`<namespace>/<sensor>/<trigger>`) holding
// its TriggerState as JSON, written with compare-and-set on the revision read, so two hosts of the same sensor
// cannot both apply an event to the same state (the loser gets CONFLICT and its message is redelivered).
import type { KeyValueStore } from '../bus/types.js';
import { errorMessage } from '../core/errors.js';
import { emptyTriggerState } from './decisions.js';
import type { SensorState, TriggerState } from './decisions.js';

export const STATE_BUCKET = 'sensor-state';

export interface LoadedState {
  state: SensorState;
  /** Revision per trigger name (0 = absent). */
  revisions: Record<string, number>;
}

export const stateKey = (namespace: string, sensor: string, trigger: string): string => `${namespace}/${sensor}/${trigger}`;

/** Called when a stored trigger state cannot be read; the trigger then starts from an empty state. */
export type CorruptStateHandler = (trigger: string, err: string) => void;

function parse(v: string, trigger: string, onCorrupt: CorruptStateHandler): TriggerState {
  try {
    const o = JSON.parse(v) as Partial<TriggerState> | null;
    if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error(`not an object: ${v.slice(0, 80)}`);
    return { deps: o.deps ?? {}, fired: o.fired ?? [], consumed: o.consumed ?? [] };
  } catch (e) {
    onCorrupt(trigger, errorMessage(e));
    return emptyTriggerState();
  }
}

export async function loadState(
  kv: KeyValueStore,
  namespace: string,
  sensor: string,
  triggers: readonly string[],
  onCorrupt: CorruptStateHandler,
): Promise<LoadedState> {
  const state: SensorState = { triggers: {} };
  const revisions: Record<string, number> = {};
  for (const t of triggers) {
    const e = await kv.get(stateKey(namespace, sensor, t));
    state.triggers[t] = e ? parse(e.value, t, onCorrupt) : emptyTriggerState();
    revisions[t] = e?.revision ?? 0;
  }
  return { state, revisions };
}

/** Writes one trigger's state if it is still at `revision`; CONFLICT otherwise. Returns the new revision. */
export function saveTriggerState(
  kv: KeyValueStore,
  namespace: string,
  sensor: string,
  trigger: string,
  ts: TriggerState,
  revision: number,
): Promise<number> {
  return kv.put(stateKey(namespace, sensor, trigger), JSON.stringify(ts), { expectedRevision: revision });
}

/** Removes every trigger state of a sensor (the sensor was deleted). */
export async function dropState(kv: KeyValueStore, namespace: string, sensor: string): Promise<void> {
  for (const k of await kv.keys(`${namespace}/${sensor}/`)) await kv.delete(k);
}
