// log trigger: writes the events that fired the trigger to the sensor's logger (info level, one record per
// firing, with the event ids and data). `intervalSeconds` is accepted; every firing is logged.
import type { TriggerAdapter } from './types.js';

export const logTrigger: TriggerAdapter<'log'> = {
  kind: 'log',
  plan(input) {
    const events = Object.fromEntries(
      Object.entries(input.events).map(([dep, e]) => [dep, { id: e.id, source: e.source, subject: e.subject, data: e.data ?? null }]),
    );
    return {
      kind: 'log',
      summary: `log ${Object.keys(events).length} event(s)`,
      action: { sensor: input.sensor.name, trigger: input.triggerName, events },
    };
  },
  execute(plan, rt) {
    const a = plan.action;
    rt.log.info({ sensor: a.sensor, trigger: a.trigger, events: a.events }, 'log trigger');
    return Promise.resolve({ outcome: 'done' });
  },
};
