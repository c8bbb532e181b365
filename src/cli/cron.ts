// `weir cron create|list|get|delete|suspend|resume`: CronWorkflows on a running server (see resource-verbs.ts).
import { resourceVerb } from './resource-verbs.js';
import { kindRow } from './resources.js';

export const verb = resourceVerb(kindRow('CronWorkflow'));
