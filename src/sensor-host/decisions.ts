// What the sensor host decides for each event, and the per-trigger state it carries between events. Both are
// plain JSON: decisions go to the decision log (and `weir sensor test` prints the same ones), state goes to the
// bus key-value store.
import type { CloudEvent } from '../core/cloudevent.js';
import type { TriggerPlan } from '../../sensors/triggers/types.js';

interface Base {
  /** When the decision was made (RFC 3339). */
  at: string;
  eventId: string;
}

export type Decision =
  | (Base & { type: 'ignored'; reason: string })
  | (Base & { type: 'matched'; dependency: string })
  | (Base & { type: 'filtered-out'; dependency: string; filter: string; reason: string; error?: boolean })
  | (Base & { type: 'reset'; trigger: string; dropped: string[] })
  | (Base & { type: 'waiting'; trigger: string; dependency: string; satisfied: string[]; waitingFor: string[] })
  | (Base & { type: 'triggered'; trigger: string; key: string; events: Record<string, string>; plan: TriggerPlan })
  | (Base & { type: 'deduplicated'; trigger: string; key?: string; reason: string })
  | (Base & { type: 'failed'; trigger: string; key?: string; error: string; retry?: boolean })
  | (Base & { type: 'dead-lettered'; trigger: string; key: string; error: string; plan: TriggerPlan })
  | (Base & { type: 'done'; trigger: string; key: string; detail?: Record<string, unknown> });

export type DecisionType = Decision['type'];

export interface SavedDependency {
  event: CloudEvent;
  /** When it was saved (RFC 3339). */
  at: string;
}

export interface TriggerState {
  /** Dependencies satisfied so far (latest event wins), waiting for the trigger's conditions. */
  deps: Record<string, SavedDependency>;
  /** Firing keys recently executed (de-duplicates redeliveries). */
  fired: string[];
  /** Event ids recently consumed by a firing (a redelivered one is not saved again). */
  consumed: string[];
}

export interface SensorState {
  triggers: Record<string, TriggerState>;
}

export const emptyTriggerState = (): TriggerState => ({ deps: {}, fired: [], consumed: [] });
export const emptySensorState = (): SensorState => ({ triggers: {} });

export const MAX_FIRED = 64;
export const MAX_CONSUMED = 256;
