// Schemas for how Argo templates call each other and control execution: steps, DAG tasks, template
// references, loops (withItems/withParam/withSequence), lifecycle hooks, retries, synchronization locks,
// memoization and Prometheus metrics. Inline templates point back to the Template schema through Ref().
import { Type, Obj, Opt, StringEnum, IntOrString, AnyValue, OpenObject, StringMap, Ref } from './schema-kit.js';
import type { Static } from './schema-kit.js';
import { ConfigMapKeySelectorSchema } from './k8s.js';
import { ArgumentsSchema } from './workflow-io.js';

/** Name of the registered schema for a template whose `name` may be omitted (inline, templateDefaults). */
export const INLINE_TEMPLATE_REF = 'InlineTemplate';

export const TemplateRefSchema = Obj(
  {
    name: Opt(Type.String({ description: 'Name of the WorkflowTemplate or ClusterWorkflowTemplate.' })),
    template: Opt(Type.String({ description: 'Template name inside that resource.' })),
    clusterScope: Opt(Type.Boolean({ description: 'Refer to a ClusterWorkflowTemplate.', default: false })),
  },
  { description: 'A template defined in another (cluster) workflow template.' },
);

export const ContinueOnSchema = Obj({
  error: Opt(Type.Boolean({ description: 'Carry on when the node errors.' })),
  failed: Opt(Type.Boolean({ description: 'Carry on when the node fails.' })),
});

export const SequenceSchema = Obj(
  {
    count: Opt(IntOrString({ description: 'Number of items (do not combine with end).' })),
    start: Opt(IntOrString({ description: 'First number (default 0).' })),
    end: Opt(IntOrString({ description: 'Last number, inclusive.' })),
    format: Opt(Type.String({ description: 'printf-style format for each item.' })),
  },
  { description: 'Expand over a numeric range.' },
);

export const LifecycleHookSchema = Obj({
  template: Opt(Type.String({ description: 'Template to run.' })),
  templateRef: Opt(TemplateRefSchema),
  arguments: Opt(ArgumentsSchema),
  expression: Opt(Type.String({ description: 'Run the hook when this expression becomes true.' })),
});

/** Hooks keyed by event: `exit`, or an expression used as the key. */
export const LifecycleHooksSchema = StringMap(LifecycleHookSchema, { description: 'Lifecycle hooks keyed by event.' });

const callProperties = {
  template: Opt(Type.String({ description: 'Name of the template to run.' })),
  templateRef: Opt(TemplateRefSchema),
  inline: Opt(Ref(INLINE_TEMPLATE_REF, { description: 'A template defined in place.' })),
  arguments: Opt(ArgumentsSchema),
  when: Opt(Type.String({ description: 'Run only when this condition is true.' })),
  withItems: Opt(Type.Array(AnyValue(), { description: 'Run once per item.' })),
  withParam: Opt(Type.String({ description: 'Run once per element of this JSON list.' })),
  withSequence: Opt(SequenceSchema),
  continueOn: Opt(ContinueOnSchema),
  onExit: Opt(Type.String({ description: 'Template to run when this one ends (deprecated: use hooks.exit).' })),
  hooks: Opt(LifecycleHooksSchema),
};

export const WorkflowStepSchema = Obj(
  {
    name: Type.String({ description: 'Step name, unique within its template.' }),
    ...callProperties,
  },
  { description: 'One step in a steps template.' },
);

export const DAGTaskSchema = Obj(
  {
    name: Type.String({ description: 'Task name, unique within the DAG.' }),
    ...callProperties,
    dependencies: Opt(Type.Array(Type.String(), { description: 'Tasks that must succeed first.' })),
    depends: Opt(Type.String({ description: "Boolean expression over other tasks' results." })),
  },
  { description: 'One task in a DAG template.' },
);

export const DAGTemplateSchema = Obj(
  {
    target: Opt(Type.String({ description: 'Tasks to run (space-separated); default all.' })),
    tasks: Type.Array(DAGTaskSchema),
    failFast: Opt(Type.Boolean({ description: 'Stop scheduling new tasks once one fails.', default: true })),
  },
  { description: 'A directed acyclic graph of tasks.' },
);

export const BackoffSchema = Obj({
  duration: Opt(Type.String({ description: 'Initial delay; seconds or a duration like "2m".' })),
  factor: Opt(IntOrString({ description: 'Multiplier applied after each retry.' })),
  cap: Opt(Type.String({ description: 'Upper bound for a single delay.' })),
  maxDuration: Opt(Type.String({ description: 'Give up retrying after this long.' })),
});

export const RetryStrategySchema = Obj(
  {
    limit: Opt(IntOrString({ description: 'Maximum number of retries (attempts = limit + 1).' })),
    retryPolicy: Opt(
      StringEnum(['Always', 'OnFailure', 'OnError', 'OnTransientError'], {
        description: 'Which failures are retried (Always when only an expression is given).',
        default: 'OnFailure',
      }),
    ),
    backoff: Opt(BackoffSchema),
    affinity: Opt(Obj({ nodeAntiAffinity: Opt(OpenObject()) }, { description: 'Avoid nodes of failed attempts.' })),
    expression: Opt(Type.String({ description: 'Retry only while this expression is true.' })),
  },
  { description: 'How a failed template is retried.' },
);

export const SemaphoreRefSchema = Obj(
  {
    configMapKeyRef: Opt(ConfigMapKeySelectorSchema),
    namespace: Opt(Type.String()),
    database: Opt(Obj({ key: Type.String() })),
  },
  { description: 'A counting semaphore whose limit lives in a ConfigMap key (or database).' },
);

export const MutexSchema = Obj({
  name: Opt(Type.String({ description: 'Mutex name.' })),
  namespace: Opt(Type.String()),
  database: Opt(Type.Boolean({ description: 'Keep the lock in the shared database.' })),
});

export const SynchronizationSchema = Obj(
  {
    mutex: Opt(MutexSchema),
    semaphore: Opt(SemaphoreRefSchema),
    mutexes: Opt(Type.Array(MutexSchema)),
    semaphores: Opt(Type.Array(SemaphoreRefSchema)),
  },
  { description: 'Locks held while running (mutex/semaphore are the pre-v3.6 single forms).' },
);

export const MemoizeSchema = Obj(
  {
    key: Opt(Type.String({ description: 'Cache key.' })),
    // Argo keys cache entries by `key` above and only reads the ConfigMap's name here; its examples omit `key`.
    cache: Opt(
      Obj({
        configMap: Opt(
          Obj({
            name: Type.String({ description: 'ConfigMap name.' }),
            key: Opt(Type.String({ description: 'Key within the ConfigMap.' })),
            optional: Opt(Type.Boolean({ description: 'Do not fail when the ConfigMap or key is missing.' })),
          }),
        ),
      }),
    ),
    maxAge: Opt(Type.String({ description: 'Ignore entries older than this, e.g. "1h".' })),
  },
  { description: 'Reuse outputs of an earlier run with the same key.' },
);

const MetricLabel = Obj({ key: Type.String(), value: Type.String() });

export const PrometheusSchema = Obj({
  name: Type.String({ description: 'Metric name.' }),
  help: Type.String({ description: 'Metric help text.' }),
  labels: Opt(Type.Array(MetricLabel)),
  when: Opt(Type.String({ description: 'Emit only when this condition is true.' })),
  gauge: Opt(
    Obj({
      value: Type.String(),
      realtime: Opt(Type.Boolean()),
      operation: Opt(StringEnum(['Set', 'Add', 'Sub'])),
    }),
  ),
  histogram: Opt(Obj({ value: Type.String(), buckets: Type.Array(Type.Number()) })),
  counter: Opt(Obj({ value: Type.String() })),
});

export const MetricsSchema = Obj(
  {
    prometheus: Type.Array(PrometheusSchema),
  },
  { description: 'Custom metrics to emit.' },
);

export const ExecutorConfigSchema = Obj({
  serviceAccountName: Opt(Type.String({ description: 'Service account for the executor.' })),
});

export type TemplateRef = Static<typeof TemplateRefSchema>;
export type WorkflowStep = Static<typeof WorkflowStepSchema>;
export type DAGTask = Static<typeof DAGTaskSchema>;
export type DAGTemplate = Static<typeof DAGTemplateSchema>;
export type LifecycleHook = Static<typeof LifecycleHookSchema>;
export type RetryStrategy = Static<typeof RetryStrategySchema>;
export type Synchronization = Static<typeof SynchronizationSchema>;
export type Memoize = Static<typeof MemoizeSchema>;
export type Metrics = Static<typeof MetricsSchema>;
export type Sequence = Static<typeof SequenceSchema>;
