// Semantic checks for Argo Events EventSources beyond the schema: at least one event source, and per-kind
// rules for the kinds Weir runs (webhook, calendar, s3/minio, kafka). Sensor checks live in lint-sensor.ts and
// are re-exported here. Pure functions over parsed documents; findings carry field paths.
import { parse as parseYaml } from 'yaml';
import { finding } from './findings.js';
import type { FieldPath, Finding } from './findings.js';
import { asArr, asObj, str } from './walk.js';
import type { Obj } from './walk.js';
import { EVENT_SOURCE_KINDS } from './eventsource.js';
import { BROKER_KIND_CHECKS } from './lint-events-brokers.js';
import { isValidTimeZone, parseSchedule } from '../core/cron.js';
import { parseGoDuration } from '../core/duration.js';
import { errorMessage } from '../core/errors.js';

export { lintSensor } from './lint-sensor.js';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE'] as const;

/** S3/MinIO bucket notification event names (AWS and MinIO extensions). `<prefix>:*` wildcards are included. */
export const S3_EVENT_NAMES: ReadonlySet<string> = new Set([
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectCreated:PutRetention',
  's3:ObjectCreated:PutLegalHold',
  's3:ObjectCreated:PutTagging',
  's3:ObjectCreated:DeleteTagging',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRemoved:NoOP',
  's3:ObjectAccessed:*',
  's3:ObjectAccessed:Get',
  's3:ObjectAccessed:Head',
  's3:ObjectAccessed:GetRetention',
  's3:ObjectAccessed:GetLegalHold',
  's3:ObjectAccessed:Attributes',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
  's3:ReducedRedundancyLostObject',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:Replication:*',
  's3:Replication:OperationFailedReplication',
  's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold',
  's3:Replication:OperationNotTracked',
  's3:Replication:OperationCompletedReplication',
  's3:ObjectTransition:*',
  's3:ObjectTransition:Failed',
  's3:ObjectTransition:Complete',
  's3:Scanner:ManyVersions',
  's3:Scanner:BigPrefix',
]);
const S3_EVENT_FORM = /^s3:[A-Za-z]+(:(\*|[A-Za-z]+))?$/;

type Checker = (cfg: Obj, path: FieldPath, out: Finding[]) => void;

const nonEmpty = (v: unknown): string | undefined => {
  const s = str(v)?.trim();
  return s === undefined || s === '' ? undefined : s;
};

/** Port as Argo reads it (a string holding an integer); YAML numbers are accepted too. */
function portNumber(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

function checkDuration(v: unknown, path: FieldPath, out: Finding[], what: string): void {
  const s = str(v);
  if (s === undefined || s === '') return;
  try {
    if (parseGoDuration(s) <= 0)
      out.push(finding('error', 'duration', path, `${what} must be greater than zero, got ${JSON.stringify(s)}`));
  } catch (e) {
    out.push(finding('error', 'duration', path, `${errorMessage(e)} (Go duration such as "30s", "1m30s" or "2h")`));
  }
}

/** Checks an Argo WebhookContext. `standalone` is true for the webhook kind itself (stricter about method). */
export function checkWebhookContext(c: Obj, path: FieldPath, out: Finding[], standalone: boolean): void {
  const endpoint = nonEmpty(c.endpoint);
  if (endpoint === undefined)
    out.push(finding('error', 'required', [...path, 'endpoint'], 'endpoint is required (the URL path to listen on, e.g. "/push")'));
  else if (!endpoint.startsWith('/'))
    out.push(finding('error', 'webhook-endpoint', [...path, 'endpoint'], `endpoint must start with "/", got ${JSON.stringify(endpoint)}`));

  if (c.port === undefined || c.port === null || c.port === '') {
    out.push(finding('error', 'required', [...path, 'port'], 'port is required (e.g. "12000")'));
  } else if (portNumber(c.port) === undefined) {
    out.push(finding('error', 'webhook-port', [...path, 'port'], `port must be an integer from 1 to 65535, got ${JSON.stringify(c.port)}`));
  }

  const method = str(c.method);
  if (method === undefined || method === '') {
    if (standalone)
      out.push(
        finding(
          'warning',
          'webhook-method',
          [...path, 'method'],
          'method is not set; Argo rejects every request to an endpoint without a method (set e.g. POST)',
        ),
      );
  } else if (!(HTTP_METHODS as readonly string[]).includes(method)) {
    const upper = method.toUpperCase();
    const hint = (HTTP_METHODS as readonly string[]).includes(upper)
      ? ` (methods are case-sensitive: use ${JSON.stringify(upper)})`
      : ` (one of ${HTTP_METHODS.join(', ')})`;
    out.push(finding('error', 'webhook-method', [...path, 'method'], `${JSON.stringify(method)} is not an HTTP method${hint}`));
  }

  if (typeof c.maxPayloadSize === 'number' && c.maxPayloadSize <= 0) {
    out.push(finding('error', 'webhook-payload-size', [...path, 'maxPayloadSize'], 'maxPayloadSize must be a positive number of bytes'));
  }
  const hmac = asObj(c.hmac);
  if (hmac !== undefined && hmac.header !== undefined && nonEmpty(hmac.header) === undefined) {
    out.push(
      finding('error', 'webhook-hmac', [...path, 'hmac', 'header'], 'hmac.header must name the request header carrying the signature'),
    );
  }
  for (const key of ['authSecret', 'hmac'] as const) {
    const ref = key === 'hmac' ? asObj(hmac?.secret) : asObj(c.authSecret);
    if (ref?.optional !== true) continue;
    const at = key === 'hmac' ? [...path, 'hmac', 'secret', 'optional'] : [...path, 'authSecret', 'optional'];
    out.push(
      finding(
        'warning',
        'webhook-secret-optional',
        at,
        `optional: true on ${key === 'hmac' ? 'the HMAC secret' : 'authSecret'} does not make the check optional: while the Secret or key is missing, every request is refused with 401`,
      ),
    );
  }
}

function checkCalendar(c: Obj, path: FieldPath, out: Finding[]): void {
  const schedule = nonEmpty(c.schedule);
  const interval = nonEmpty(c.interval);
  const tz = nonEmpty(c.timezone);
  const tzUsable = tz !== undefined && tz !== 'Local' && isValidTimeZone(tz);
  if (tz !== undefined && tz !== 'Local' && !tzUsable) {
    out.push(
      finding(
        'error',
        'timezone',
        [...path, 'timezone'],
        `unknown time zone ${JSON.stringify(tz)} (use an IANA name such as "Europe/Berlin")`,
      ),
    );
  }
  if (schedule === undefined && interval === undefined) {
    out.push(finding('error', 'calendar-schedule', path, 'set exactly one of schedule (cron) or interval (duration)'));
  } else if (schedule !== undefined && interval !== undefined) {
    out.push(
      finding(
        'warning',
        'calendar-schedule',
        [...path, 'interval'],
        'both schedule and interval are set; schedule wins and interval is ignored',
      ),
    );
  }
  if (schedule !== undefined) {
    try {
      parseSchedule(schedule, tzUsable ? tz : undefined);
    } catch (e) {
      out.push(finding('error', 'cron', [...path, 'schedule'], errorMessage(e)));
    }
  }
  if (interval !== undefined) checkDuration(interval, [...path, 'interval'], out, 'interval');
  asArr(c.exclusionDates).forEach((d, i) => {
    if (typeof d === 'string' && Number.isNaN(Date.parse(d))) {
      out.push(
        finding(
          'error',
          'date',
          [...path, 'exclusionDates', i],
          `${JSON.stringify(d)} is not a date (use RFC 3339, e.g. "2025-12-25T00:00:00Z")`,
        ),
      );
    }
  });
  const catchup = asObj(asObj(c.persistence)?.catchup);
  if (catchup !== undefined) checkDuration(catchup.maxDuration, [...path, 'persistence', 'catchup', 'maxDuration'], out, 'maxDuration');
}

function checkS3(c: Obj, path: FieldPath, out: Finding[]): void {
  if (nonEmpty(asObj(c.bucket)?.name) === undefined) {
    out.push(finding('error', 'required', [...path, 'bucket', 'name'], 'bucket.name is required'));
  }
  asArr(c.events).forEach((e, i) => {
    if (typeof e !== 'string') return;
    if (!S3_EVENT_FORM.test(e)) {
      out.push(
        finding(
          'error',
          's3-event',
          [...path, 'events', i],
          `${JSON.stringify(e)} is not an S3 event name (e.g. "s3:ObjectCreated:*", "s3:ObjectRemoved:Delete")`,
        ),
      );
    } else if (!S3_EVENT_NAMES.has(e)) {
      out.push(finding('warning', 's3-event', [...path, 'events', i], `${JSON.stringify(e)} is not a known S3 event name`));
    }
  });
  if (typeof c.pollIntervalSeconds === 'number' && c.pollIntervalSeconds < 1) {
    out.push(finding('error', 's3-poll-interval', [...path, 'pollIntervalSeconds'], 'pollIntervalSeconds must be at least 1'));
  }
}

function checkKafka(c: Obj, path: FieldPath, out: Finding[]): void {
  if (nonEmpty(c.url) === undefined)
    out.push(finding('error', 'required', [...path, 'url'], 'url is required (broker list, e.g. "kafka:9092")'));
  if (nonEmpty(c.topic) === undefined) out.push(finding('error', 'required', [...path, 'topic'], 'topic is required'));
  const p = c.partition;
  if (p !== undefined && p !== null && p !== '') {
    const ok = typeof p === 'number' ? Number.isInteger(p) && p >= 0 : typeof p === 'string' && /^\s*\d+\s*$/.test(p);
    if (!ok)
      out.push(
        finding('error', 'kafka-partition', [...path, 'partition'], `partition must be a non-negative integer, got ${JSON.stringify(p)}`),
      );
  }
  if (typeof c.limitEventsPerSecond === 'number' && c.limitEventsPerSecond < 0) {
    out.push(finding('error', 'kafka-rate', [...path, 'limitEventsPerSecond'], 'limitEventsPerSecond cannot be negative'));
  }
  const group = asObj(c.consumerGroup);
  if (group !== undefined && nonEmpty(group.groupName) === undefined) {
    out.push(
      finding('warning', 'kafka-group', [...path, 'consumerGroup', 'groupName'], 'consumerGroup without groupName; set a group name'),
    );
  }
  if (typeof c.config === 'string' && c.config.trim() !== '') {
    try {
      parseYaml(c.config);
    } catch (e) {
      out.push(finding('error', 'kafka-config', [...path, 'config'], `config is not valid YAML: ${errorMessage(e).split('\n')[0]}`));
    }
  }
}

const KIND_CHECKS: Partial<Record<string, Checker>> = {
  webhook: (c, p, out) => checkWebhookContext(c, p, out, true),
  calendar: checkCalendar,
  s3: checkS3,
  minio: checkS3,
  kafka: checkKafka,
  ...BROKER_KIND_CHECKS,
};

/** Semantic checks for one EventSource document. */
export function lintEventSource(doc: unknown): Finding[] {
  const out: Finding[] = [];
  const spec = asObj(asObj(doc)?.spec);
  if (spec === undefined) return out;
  let count = 0;
  const seen = new Map<string, string>();
  for (const kind of EVENT_SOURCE_KINDS) {
    const entries = asObj(spec[kind]);
    if (entries === undefined) continue;
    for (const [name, cfg] of Object.entries(entries)) {
      count++;
      const path: FieldPath = ['spec', kind, name];
      const other = seen.get(name);
      if (other !== undefined) {
        out.push(
          finding(
            'warning',
            'duplicate-event-name',
            path,
            `event name ${JSON.stringify(name)} is also used under ${other}; sensors pick events by name, so make it unique`,
          ),
        );
      } else seen.set(name, kind);
      const c = asObj(cfg);
      if (c === undefined) continue;
      KIND_CHECKS[kind]?.(c, path, out);
      const hook = asObj(c.webhook);
      if (kind !== 'webhook' && hook !== undefined) checkWebhookContext(hook, [...path, 'webhook'], out, false);
    }
  }
  if (count === 0) {
    out.push(
      finding(
        'error',
        'no-event-source',
        ['spec'],
        `no event source configured; add a kind such as webhook, calendar, s3 or kafka with at least one named entry`,
      ),
    );
  }
  return out;
}
