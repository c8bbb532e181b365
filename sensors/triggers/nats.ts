// nats trigger: publishes the payload (parameters as JSON) on `subject` of the plain NATS server at `url`
// through the runtime's NATS publisher. tls and auth are refused.
import { WeirError } from '../../src/core/errors.js';
import { constructPayload } from '../parameters.js';
import type { Parameter } from '../parameters.js';
import type { TriggerAdapter } from './types.js';

export const natsTrigger: TriggerAdapter<'nats'> = {
  kind: 'nats',
  plan(input) {
    const t = (input.template.nats ?? {}) as { url?: string; subject?: string; payload?: Parameter[]; tls?: unknown; auth?: unknown };
    for (const k of ['tls', 'auth'] as const) {
      if (t[k] !== undefined && t[k] !== null) throw new WeirError('INVALID_SPEC', `nats.${k} is not supported by Weir yet`);
    }
    if (!t.url || !t.subject) throw new WeirError('INVALID_SPEC', 'nats.url and nats.subject are required');
    return {
      kind: 'nats',
      summary: `publish to nats subject ${t.subject}`,
      action: { url: t.url, subject: t.subject, payload: constructPayload(t.payload, input.events) },
    };
  },
  async execute(plan, rt) {
    const a = plan.action;
    await rt.nats.publish({ url: a.url, topic: a.subject }, a.payload, rt.signal);
    return { outcome: 'done' };
  },
};
