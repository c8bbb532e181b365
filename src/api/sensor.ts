// Schema and types for the Argo Events v1.9 Sensor resource: event dependencies with filters/transforms, and
// triggers with parameters, policies, retries and rate limits. Trigger kinds live in sensor-triggers.ts.
import { AnyString, Obj, ObjectMeta, Opt, Ref, StringEnum, StringMap, Type, registerRef } from './schema-kit.js';
import type { Static } from './schema-kit.js';
import { Backoff, PodTemplate, ResourceStatus } from './events-common.js';
import { TriggerParameter, TriggerTemplate } from './sensor-triggers.js';

export const LOGICAL_OPERATORS = ['and', 'or', ''] as const;
export const DATA_FILTER_TYPES = ['string', 'number', 'bool'] as const;
export const DATA_FILTER_COMPARATORS = ['>=', '>', '=', '!=', '<', '<=', ''] as const;
export const RATE_LIMIT_UNITS = ['Second', 'Minute', 'Hour'] as const;

const LogicalOperator = (what: string) => Opt(StringEnum(LOGICAL_OPERATORS, { description: `How ${what} combine: and (default) or or.` }));

export const DataFilter = Obj(
  {
    path: Type.String({ description: 'Path into the event data (gjson syntax).' }),
    type: Opt(Type.String({ description: 'string, number or bool.' })),
    value: Opt(Type.Array(AnyString(), { description: 'Accepted values (regexps for strings); any one matches.' })),
    comparator: Opt(Type.String({ description: '>=, >, =, !=, <, <= (default =).' })),
    template: Opt(Type.String({ description: 'Go template applied to the value before comparing.' })),
  },
  { description: 'Passes events whose data at path matches.' },
);

export const ExprFilter = Obj(
  {
    expr: Type.String({ description: 'Boolean expression over the named fields.' }),
    fields: Opt(
      Type.Array(
        Obj({
          name: Type.String({ description: 'Variable name in expr.' }),
          path: Type.String({ description: 'Path into the event data.' }),
        }),
      ),
    ),
  },
  { description: 'Passes events for which expr is true.' },
);

export const EventContextFilter = Obj(
  {
    id: Opt(Type.String()),
    source: Opt(Type.String()),
    specversion: Opt(Type.String()),
    type: Opt(Type.String()),
    datacontenttype: Opt(Type.String()),
    subject: Opt(Type.String()),
    time: Opt(Type.String()),
  },
  { description: 'Passes events whose CloudEvent context attributes equal these.' },
);

export const EventDependencyFilter = Obj(
  {
    time: Opt(
      Obj(
        {
          start: Type.String({ description: 'Window start, HH:MM:SS (UTC).' }),
          stop: Type.String({ description: 'Window end, HH:MM:SS (UTC); before start means the next day.' }),
          timezone: Opt(Type.String({ description: 'IANA time zone the window is in (default UTC); follows daylight saving.' })),
        },
        { description: 'Passes events inside a daily time window.' },
      ),
    ),
    context: Opt(EventContextFilter),
    data: Opt(Type.Array(DataFilter)),
    exprs: Opt(Type.Array(ExprFilter)),
    dataLogicalOperator: LogicalOperator('data filters'),
    exprLogicalOperator: LogicalOperator('expr filters'),
    script: Opt(Type.String({ description: 'Lua script returning a boolean.' })),
  },
  { description: 'Conditions an event must meet to satisfy the dependency.' },
);

export const EventDependency = Obj(
  {
    name: Type.String({ description: 'Unique dependency name, used in trigger conditions and parameters.' }),
    eventSourceName: Type.String({ description: 'Name of the EventSource resource.' }),
    eventName: Type.String({ description: 'Event name inside that EventSource.' }),
    filters: Opt(EventDependencyFilter),
    filtersLogicalOperator: LogicalOperator('the filter groups'),
    transform: Opt(
      Obj(
        {
          jq: Opt(Type.String({ description: 'jq program applied to the event data.' })),
          script: Opt(Type.String({ description: 'Lua script applied to the event.' })),
        },
        { description: 'Rewrites the event before filters and triggers see it.' },
      ),
    ),
    jetStream: Opt(
      Obj(
        {
          deliverPolicy: Opt(Type.String({ description: 'Where a new JetStream consumer starts: "all", "last" or "new" (default).' })),
        },
        { description: 'JetStream consumer options for this dependency (JetStream event bus only).' },
      ),
    ),
  },
  { description: 'An event the sensor waits for.' },
);
export type EventDependency = Static<typeof EventDependency>;

export const TriggerPolicy = Obj(
  {
    k8s: Opt(
      Obj({
        backoff: Opt(Backoff),
        labels: Opt(StringMap(Type.String(), { description: 'Labels that mark the created resource as successful.' })),
        errorOnBackoffTimeout: Opt(Type.Boolean()),
      }),
    ),
    status: Opt(Obj({ allow: Opt(Type.Array(Type.Integer(), { description: 'Response status codes that count as success.' })) })),
  },
  { description: 'How to decide whether the trigger succeeded.' },
);

export const RateLimit = Obj(
  {
    unit: Opt(StringEnum(RATE_LIMIT_UNITS, { description: 'Default Second.' })),
    requestsPerUnit: Opt(Type.Integer()),
  },
  { description: 'Limits how often the trigger fires.' },
);

export const TRIGGER_REF = 'argo-events.Trigger';

export const TriggerSchema = Obj(
  {
    template: TriggerTemplate,
    parameters: Opt(Type.Array(TriggerParameter, { description: 'Applied to the trigger template itself.' })),
    policy: Opt(TriggerPolicy),
    retryStrategy: Opt(Backoff),
    rateLimit: Opt(RateLimit),
    atLeastOnce: Opt(Type.Boolean({ description: 'At-least-once instead of at-most-once execution.' })),
    dlqTrigger: Opt(Ref(TRIGGER_REF, { description: 'Trigger run when this one fails after all retries (needs atLeastOnce).' })),
  },
  { description: 'An action taken when the dependencies are met.' },
);
registerRef(TRIGGER_REF, TriggerSchema);

type TriggerShape = Static<typeof TriggerSchema>;
export type Trigger = Omit<TriggerShape, 'dlqTrigger'> & { dlqTrigger?: Trigger };

export const SensorSpec = Obj(
  {
    dependencies: Type.Array(EventDependency),
    triggers: Type.Array(TriggerSchema),
    template: Opt(PodTemplate),
    errorOnFailedRound: Opt(Type.Boolean({ description: 'Stop processing after a failed trigger round.' })),
    eventBusName: Opt(Type.String({ description: 'EventBus to read from (default "default").' })),
    replicas: Opt(Type.Integer()),
    revisionHistoryLimit: Opt(Type.Integer()),
    loggingFields: Opt(StringMap(AnyString(), { description: 'Extra key/values added to every log line.' })),
    circuit: Opt(Type.String({ description: 'Legacy (pre-1.0) dependency-group expression; ignored, use trigger conditions.' })),
    dependencyGroups: Opt(
      Type.Array(Obj({ name: Opt(Type.String()), dependencies: Opt(Type.Array(Type.String())) }), {
        description: 'Legacy (pre-1.0) dependency groups; ignored.',
      }),
    ),
  },
  { description: 'Dependencies and triggers.' },
);
export type SensorSpec = Static<typeof SensorSpec>;

export const SensorSchema = Obj(
  {
    apiVersion: Type.String({ description: 'argoproj.io/v1alpha1' }),
    kind: Type.String({ description: 'Sensor' }),
    metadata: ObjectMeta,
    spec: SensorSpec,
    status: Opt(ResourceStatus),
  },
  { description: 'Argo Events Sensor: waits for events and runs triggers.' },
);
export type Sensor = Omit<Static<typeof SensorSchema>, 'spec'> & { spec: Omit<SensorSpec, 'triggers'> & { triggers: Trigger[] } };
