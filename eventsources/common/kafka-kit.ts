// Client options for the Kafka event source (@platformatic/kafka): brokers, TLS, SASL and Argo's connectionBackoff
// from the event's spec, and the one protocol concession Weir makes (ListOffsets at most v3, see capListOffsets).
// Config keys read: url, tls {caCertSecret, clientCertSecret, clientKeySecret, insecureSkipVerify}, sasl {mechanism,
// userSecret, passwordSecret}, connectionBackoff {duration, steps, factor}.
import { kListApis } from '@platformatic/kafka';
import type { Base, BaseOptions, SASLOptions } from '@platformatic/kafka';
import { WeirError } from '../../src/core/errors.js';
import { parseGoDuration } from '../../src/core/duration.js';
import { text } from '../../src/core/adapter-kit.js';
import type { SecretRef, StartContext } from '../../src/api/eventsource-adapter.js';

interface TlsSpec {
  caCertSecret?: SecretRef;
  clientCertSecret?: SecretRef;
  clientKeySecret?: SecretRef;
  insecureSkipVerify?: boolean;
}
export interface SaslSpec {
  mechanism?: string;
  userSecret?: SecretRef;
  passwordSecret?: SecretRef;
}

/** The SASL mechanisms the source accepts (Argo's names). */
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
type Mechanism = (typeof SASL_MECHANISMS)[number];
const isMechanism = (m: string): m is Mechanism => (SASL_MECHANISMS as readonly string[]).includes(m);

/** `url` as a broker list ("a:9092,b:9092" -> ["a:9092", "b:9092"]). */
export function brokerList(url: unknown): string[] {
  return (text(url) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Connection options shared by every client the source creates: brokers, TLS, SASL, retries. */
export async function kafkaClientOptions(ctx: StartContext, clientId: string): Promise<BaseOptions> {
  const spec = ctx.spec;
  const opts: BaseOptions = { clientId, bootstrapBrokers: brokerList(spec.url) };
  const tls = spec.tls as TlsSpec | undefined;
  if (tls !== undefined) {
    const read = async (r?: SecretRef): Promise<string | undefined> => (r !== undefined ? ctx.secrets.get(r) : undefined);
    opts.tls = {
      rejectUnauthorized: tls.insecureSkipVerify !== true,
      ...(tls.caCertSecret !== undefined ? { ca: [(await read(tls.caCertSecret)) ?? ''] } : {}),
      ...(tls.clientCertSecret !== undefined ? { cert: await read(tls.clientCertSecret) } : {}),
      ...(tls.clientKeySecret !== undefined ? { key: await read(tls.clientKeySecret) } : {}),
    };
  }
  const sasl = spec.sasl as SaslSpec | undefined;
  if (sasl !== undefined) {
    const mechanism = (sasl.mechanism ?? 'PLAIN').toUpperCase();
    if (!isMechanism(mechanism))
      throw new WeirError('INVALID_SPEC', `SASL mechanism ${mechanism} is not supported (${SASL_MECHANISMS.join(', ')})`);
    const username = sasl.userSecret !== undefined ? ((await ctx.secrets.get(sasl.userSecret)) ?? '') : '';
    const password = sasl.passwordSecret !== undefined ? ((await ctx.secrets.get(sasl.passwordSecret)) ?? '') : '';
    const s: SASLOptions = { mechanism, username, password };
    opts.sasl = s;
  }
  // Argo's connectionBackoff: the first delay `duration` (Go duration or nanoseconds), `steps` attempts, each delay
  // `factor` times the one before.
  const backoff = spec.connectionBackoff as { duration?: unknown; steps?: unknown; factor?: unknown } | undefined;
  if (backoff !== undefined) {
    const d = backoff.duration;
    const initial = typeof d === 'number' ? d / 1e6 : typeof d === 'string' ? parseGoDuration(d) : undefined;
    const factor = backoff.factor !== undefined && Number.isFinite(Number(backoff.factor)) ? Number(backoff.factor) : 1;
    if (typeof backoff.steps === 'number') opts.retries = backoff.steps;
    if (initial !== undefined) {
      const first = Math.max(1, initial);
      opts.retryDelay = (_client, _op, attempt) => Math.min(first * factor ** Math.max(0, attempt - 1), 60_000);
    }
  }
  return opts;
}

/**
 * Asks for ListOffsets (the earliest/latest offset of a partition) at protocol version 3 at most. The Kafka test
 * broker the project runs (librdkafka 2.0's mock cluster, started by kcat) advertises ListOffsets v5 but encodes the
 * v4/v5 LeaderEpoch field wrongly, so the answer for the second partition on is garbage. v1–v3 carry everything the
 * source asks (the earliest or latest offset of each partition) and are served by Kafka 0.11 through 4.x and Redpanda.
 * Works through the client's exported kListApis hook: the list of API versions the broker advertised is trimmed
 * before the client picks a version.
 */
export function capListOffsets<C extends Base<BaseOptions>>(client: C): C {
  const original = client[kListApis].bind(client);
  client[kListApis] = (callback) =>
    original((error, apis) => {
      if (error || apis === undefined) callback(error, apis);
      else
        callback(
          null,
          apis.map((a) => (a.name === 'ListOffsets' ? { ...a, maxVersion: Math.min(a.maxVersion, 3) } : a)),
        );
    });
  return client;
}
