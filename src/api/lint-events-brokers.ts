// Semantic checks for the broker, file and Git-host event sources Weir runs (amqp, mqtt, nats, redis, redisStream,
// file, sftp, github, gitlab, bitbucket, bitbucketserver):
// the fields Argo requires, mutually exclusive settings, and values Weir parses (YAML queue arguments, regexps).
// Merged into lint-events.ts's per-kind table; pure functions over parsed documents.
import { parse as parseYaml } from 'yaml';
import { finding } from './findings.js';
import type { FieldPath, Finding } from './findings.js';
import { asArr, asObj, str } from './walk.js';
import type { Obj } from './walk.js';
import { errorMessage } from '../core/errors.js';
import { compileGoRegexp } from '../core/go-regexp.js';
import { tryParseGoDuration } from '../core/duration.js';

type Checker = (cfg: Obj, path: FieldPath, out: Finding[]) => void;

const present = (v: unknown): boolean => {
  if (typeof v === 'number' || typeof v === 'boolean') return true;
  const s = str(v)?.trim();
  return s !== undefined && s !== '';
};

function required(c: Obj, path: FieldPath, out: Finding[], field: string, hint: string): void {
  if (!present(c[field])) out.push(finding('error', 'required', [...path, field], `${field} is required (${hint})`));
}

function checkAmqp(c: Obj, path: FieldPath, out: Finding[]): void {
  const url = present(c.url);
  const secret = asObj(c.urlSecret) !== undefined;
  if (!url && !secret)
    out.push(finding('error', 'required', [...path, 'url'], 'set url (e.g. "amqp://guest:guest@rabbitmq:5672") or urlSecret'));
  if (url && secret) out.push(finding('error', 'amqp-url', [...path, 'urlSecret'], 'set only one of url and urlSecret'));
  required(c, path, out, 'exchangeType', 'e.g. "fanout", "direct" or "topic"');
  required(c, path, out, 'routingKey', 'the binding key, e.g. "orders.#"');
  const args = str(asObj(c.queueDeclare)?.arguments);
  if (args !== undefined && args.trim() !== '') {
    let v: unknown;
    try {
      v = parseYaml(args);
    } catch (e) {
      out.push(
        finding(
          'error',
          'amqp-arguments',
          [...path, 'queueDeclare', 'arguments'],
          `arguments is not valid YAML: ${errorMessage(e).split('\n')[0]}`,
        ),
      );
      return;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      out.push(
        finding(
          'error',
          'amqp-arguments',
          [...path, 'queueDeclare', 'arguments'],
          'arguments must be a YAML map such as "x-queue-type: quorum"',
        ),
      );
    }
  }
}

function checkMqtt(c: Obj, path: FieldPath, out: Finding[]): void {
  required(c, path, out, 'url', 'e.g. "tcp://mosquitto:1883"');
  required(c, path, out, 'topic', 'MQTT topic filter, wildcards + and # allowed');
  required(c, path, out, 'clientId', 'the MQTT client id; Weir keeps its session (clean session off) under it');
}

function checkNats(c: Obj, path: FieldPath, out: Finding[]): void {
  required(c, path, out, 'url', 'e.g. "nats://nats:4222"');
  required(c, path, out, 'subject', 'subject, wildcards * and > allowed');
  if (c.queue !== undefined && !present(c.queue))
    out.push(finding('error', 'nats-queue', [...path, 'queue'], 'queue group cannot be empty if specified'));
  const js = asObj(c.jetStream);
  if (js !== undefined && !present(js.stream))
    out.push(
      finding('error', 'required', [...path, 'jetStream', 'stream'], 'jetStream.stream is required (the stream holding the subject)'),
    );
}

function checkRedis(c: Obj, path: FieldPath, out: Finding[]): void {
  required(c, path, out, 'hostAddress', 'e.g. "redis:6379"');
  if (asArr(c.channels).length === 0)
    out.push(finding('error', 'required', [...path, 'channels'], 'channels is required (one or more channel names or patterns)'));
}

function checkRedisStream(c: Obj, path: FieldPath, out: Finding[]): void {
  required(c, path, out, 'hostAddress', 'e.g. "redis:6379"');
  if (asArr(c.streams).length === 0)
    out.push(finding('error', 'required', [...path, 'streams'], 'streams is required (one or more stream keys)'));
}

export const FILE_OPS = ['CREATE', 'WRITE', 'REMOVE', 'RENAME', 'CHMOD'] as const;

function checkEventType(c: Obj, path: FieldPath, out: Finding[], ops: readonly string[]): void {
  const type = str(c.eventType);
  if (type === undefined || type.trim() === '')
    out.push(finding('error', 'required', [...path, 'eventType'], `eventType is required (one of ${ops.join(', ')})`));
  else if (!ops.includes(type))
    out.push(
      finding(
        'error',
        'file-event-type',
        [...path, 'eventType'],
        `eventType must be one of ${ops.join(', ')}, got ${JSON.stringify(type)}`,
      ),
    );
}

function checkFile(c: Obj, path: FieldPath, out: Finding[]): void {
  checkEventType(c, path, out, FILE_OPS);
  checkWatchPath(c, path, out);
}

/** Argo's sftp poller sees files appear (or change) and disappear only. */
export const SFTP_OPS = ['CREATE', 'REMOVE'] as const;

function checkSftp(c: Obj, path: FieldPath, out: Finding[]): void {
  checkEventType(c, path, out, SFTP_OPS);
  checkWatchPath(c, path, out);
  for (const field of ['address', 'username'])
    if (asObj(c[field]) === undefined)
      out.push(finding('error', 'required', [...path, field], `${field} is required (a secret reference {name, key})`));
  if (asObj(c.password) === undefined && asObj(c.sshKeySecret) === undefined)
    out.push(finding('error', 'required', [...path, 'password'], 'set password or sshKeySecret (secret references {name, key})'));
  const poll = str(c.pollIntervalDuration);
  if (poll !== undefined && poll.trim() !== '' && !((tryParseGoDuration(poll) ?? 0) > 0))
    out.push(
      finding(
        'error',
        'sftp-poll-interval',
        [...path, 'pollIntervalDuration'],
        `pollIntervalDuration must be a positive Go duration such as "10s", got ${JSON.stringify(poll)}`,
      ),
    );
}

function checkWatchPath(c: Obj, path: FieldPath, out: Finding[]): void {
  const w = asObj(c.watchPathConfig);
  if (w === undefined || !present(w.directory)) {
    out.push(
      finding(
        'error',
        'required',
        [...path, 'watchPathConfig', 'directory'],
        'watchPathConfig.directory is required (the directory to watch)',
      ),
    );
    return;
  }
  if (!present(w.path) && !present(w.pathRegexp)) {
    out.push(
      finding(
        'error',
        'required',
        [...path, 'watchPathConfig', 'path'],
        'set watchPathConfig.path (a file name) or watchPathConfig.pathRegexp',
      ),
    );
  }
  const re = str(w.pathRegexp);
  if (re !== undefined && re !== '') {
    try {
      compileGoRegexp(re); // what the source matches file names with (RE2 syntax, as in Argo)
    } catch (e) {
      out.push(
        finding(
          'error',
          'file-regexp',
          [...path, 'watchPathConfig', 'pathRegexp'],
          `pathRegexp is not a valid regular expression: ${errorMessage(e)}`,
        ),
      );
    }
  }
}

function checkGitHook(c: Obj, path: FieldPath, out: Finding[]): void {
  if (asObj(c.webhook) === undefined)
    out.push(
      finding(
        'error',
        'required',
        [...path, 'webhook'],
        "webhook is required (port and endpoint Weir listens on for the service's deliveries)",
      ),
    );
}

export const BROKER_KIND_CHECKS: Record<string, Checker> = {
  github: checkGitHook,
  gitlab: checkGitHook,
  bitbucket: checkGitHook,
  bitbucketserver: checkGitHook,
  amqp: checkAmqp,
  mqtt: checkMqtt,
  nats: checkNats,
  redis: checkRedis,
  redisStream: checkRedisStream,
  file: checkFile,
  sftp: checkSftp,
};
