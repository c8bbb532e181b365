// `weir cron create|list|get|delete|suspend|resume|backfill`: CronWorkflows on a running server (see resource-verbs.ts;
// backfill and the history shown by `get` live in cron-backfill.ts).
import { cronVerb } from './cron-backfill.js';
import type { Verb } from './io.js';
import { resourceVerb } from './resource-verbs.js';
import { kindRow } from './resources.js';

const base = resourceVerb(kindRow('CronWorkflow'));
export const verb: Verb = (args, io) => cronVerb(base, args, io);
