// Schema for Argo's CronWorkflow kind (Argo Workflows v4 shape: `schedules` list, `when`, stopStrategy),
// still accepting the legacy single `schedule` string, plus Weir's catch-up extension (`catchup`,
// `catchupLimit`) that decides what happens to runs missed while Weir was down.
import { Type, Obj, Opt, StringEnum, OpenObject, ObjectMeta } from './schema-kit.js';
import type { Static } from './schema-kit.js';
import { WorkflowSpecSchema, ARGO_API_VERSION } from './workflow.js';

export const StopStrategySchema = Obj(
  {
    expression: Opt(Type.String({ description: 'Stop scheduling once this is true (cronworkflow.failed / .succeeded).' })),
    condition: Opt(Type.String({ description: 'Pre-v4 name for expression.' })),
  },
  { description: 'Stop scheduling after a condition on past runs.' },
);

export const CronWorkflowSpecSchema = Obj(
  {
    schedules: Opt(Type.Array(Type.String(), { description: 'Cron expressions; a run starts at each.' })),
    schedule: Opt(Type.String({ description: 'Single cron expression (legacy; prefer schedules).' })),
    timezone: Opt(Type.String({ description: 'IANA time zone for the schedules, e.g. Europe/Paris; default local.' })),
    concurrencyPolicy: Opt(
      StringEnum(['Allow', 'Forbid', 'Replace'], {
        description: 'What to do when the previous run is still going.',
        default: 'Allow',
      }),
    ),
    startingDeadlineSeconds: Opt(Type.Integer({ description: 'How late a missed run may still start.' })),
    successfulJobsHistoryLimit: Opt(Type.Integer({ description: 'Finished successful runs to keep.', default: 3 })),
    failedJobsHistoryLimit: Opt(Type.Integer({ description: 'Finished failed runs to keep.', default: 1 })),
    suspend: Opt(Type.Boolean({ description: 'Pause scheduling.', default: false })),
    stopStrategy: Opt(StopStrategySchema),
    when: Opt(Type.String({ description: 'Skip a scheduled run unless this expression is true.' })),
    workflowSpec: WorkflowSpecSchema,
    workflowMetadata: Opt(ObjectMeta),
    catchup: Opt(
      StringEnum(['none', 'last', 'all'], {
        description: 'Weir: runs missed while down: none, only the last, or all (up to catchupLimit).',
      }),
    ),
    catchupLimit: Opt(Type.Integer({ description: 'Weir: maximum missed runs started when catchup is all.', minimum: 0 })),
  },
  { description: 'A workflow run on a schedule.' },
);

export const CronWorkflowSchema = Obj(
  {
    apiVersion: StringEnum([ARGO_API_VERSION]),
    kind: StringEnum(['CronWorkflow']),
    metadata: ObjectMeta,
    spec: CronWorkflowSpecSchema,
    status: Opt(OpenObject({ description: 'Scheduling state, written by the controller.' })),
  },
  { description: 'An Argo CronWorkflow.' },
);

export type CronWorkflowSpec = Static<typeof CronWorkflowSpecSchema>;
export type CronWorkflow = Static<typeof CronWorkflowSchema>;
export type StopStrategy = Static<typeof StopStrategySchema>;
