// What trigger adapters act through: store-backed resource operations (create with firing-key de-duplication,
// manual workflow operations as the pure functions of src/controller, workflows from templates, and on a Kubernetes
// store the k8s trigger's actions on any kind: k8s-any-kind.ts) and cached Kafka and
// NATS publishers. Built once per host; close() drops broker connections.
import { ProduceAcks, Producer } from '@platformatic/kafka';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { isKindName } from '../api/kinds.js';
import type { Clock } from '../core/clock.js';
import { WeirError, NonRetryableError, isWeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { resumeWorkflow, stopWorkflow, suspendWorkflow, terminateWorkflow } from '../controller/manual-ops.js';
import type { OpResult } from '../controller/manual-ops.js';
import { resubmitWorkflow, retryWorkflow } from '../controller/manual-retry.js';
import { isNewObject, newObjectProblem } from '../api/objects.js';
import type { NewObjectOf, StoredWorkflow } from '../api/objects.js';
import type { ResourceStore, StoredObject } from '../store/types.js';
import { updateWithRetry } from '../store/update-retry.js';
import type { Publisher, ResourceOps } from '../../sensors/triggers/types.js';
import { ANNOTATION_FIRING_KEY } from './lineage.js';
import { anyKindAction } from './k8s-any-kind.js';

export interface RuntimeOptions {
  store: ResourceStore;
  log: Logger;
  /** Called after a Workflow was created or changed (e.g. the controller's enqueue). */
  onWorkflow?: (namespace: string, name: string) => void;
  /** Time (`now`) of resume/stop/retry/resubmit. Default: the system clock. */
  clock?: Clock;
}

const annotationsOf = (o: StoredObject): Record<string, string> => o.metadata.annotations ?? {};

/** Store-backed operations; errors no retry can fix are NonRetryableError. */
export function storeResourceOps(o: RuntimeOptions): ResourceOps {
  const { store } = o;
  const kick = (ns: string, name: string): void => o.onWorkflow?.(ns, name);
  const clock = o.clock ? { clock: o.clock } : {};

  const create: ResourceOps['create'] = async (kind, obj, key) => {
    if (!isKindName(kind)) throw new NonRetryableError('UNKNOWN_KIND', `cannot create a ${kind}: not a kind Weir stores`);
    if (!isNewObject(obj)) throw new NonRetryableError('INVALID_SPEC', `cannot create the ${kind}: ${newObjectProblem(obj) ?? ''}`);
    const meta = obj.metadata;
    try {
      const created = await store.create(kind, obj);
      if (kind === 'Workflow') kick(created.metadata.namespace ?? 'default', created.metadata.name);
      return { name: created.metadata.name, deduplicated: false };
    } catch (e) {
      if (!isWeirError(e) || e.code !== 'ALREADY_EXISTS' || !meta.name) throw e;
      const existing = await store.get(kind, meta.namespace, meta.name);
      if (existing && annotationsOf(existing)[ANNOTATION_FIRING_KEY] === key) return { name: meta.name, deduplicated: true };
      throw new NonRetryableError(
        'ALREADY_EXISTS',
        `${kind} ${meta.namespace ?? ''}/${meta.name} already exists and was not created by this firing`,
        { cause: e },
      );
    }
  };

  const mutate = async (ns: string, name: string, fn: (wf: StoredWorkflow) => OpResult<StoredWorkflow>): Promise<void> => {
    const r = await updateWithRetry(
      store,
      'Workflow',
      ns,
      name,
      (cur) => {
        const res = fn(cur);
        return res.changed ? res.workflow : undefined;
      },
      { attempts: 5, notFound: () => new NonRetryableError('NOT_FOUND', `Workflow ${ns}/${name} not found`) },
    );
    if (r.updated) kick(ns, name);
  };

  const workflowOp: ResourceOps['workflowOp'] = async (op, ns, name, key) => {
    const bad = (e: unknown): never => {
      if (isWeirError(e) && e.code === 'INVALID_ARGUMENT') throw new NonRetryableError('INVALID_ARGUMENT', e.message, { cause: e });
      throw e;
    };
    switch (op) {
      case 'suspend':
        await mutate(ns, name, suspendWorkflow).catch(bad);
        break;
      case 'resume':
        await mutate(ns, name, (wf) => resumeWorkflow(wf, clock)).catch(bad);
        break;
      case 'stop':
        await mutate(ns, name, (wf) => stopWorkflow(wf, clock)).catch(bad);
        break;
      case 'terminate':
        await mutate(ns, name, terminateWorkflow).catch(bad);
        break;
      case 'retry':
        await mutate(ns, name, (wf) => retryWorkflow(wf, clock)).catch(bad);
        break;
      case 'resubmit': {
        const cur = await store.get('Workflow', ns, name);
        if (!cur) throw new NonRetryableError('NOT_FOUND', `Workflow ${ns}/${name} not found`);
        let next: NewObjectOf<'Workflow'>;
        try {
          next = resubmitWorkflow(cur, clock);
        } catch (e) {
          return bad(e);
        }
        next.metadata.namespace = ns;
        next.metadata.name = `${String(next.metadata.generateName ?? `${name}-`).slice(0, 53)}${key}`;
        delete next.metadata.generateName;
        next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [ANNOTATION_FIRING_KEY]: key };
        return create('Workflow', next, key);
      }
      default:
        throw new NonRetryableError('INVALID_SPEC', `unknown argoWorkflow operation ${op}`);
    }
    return { name, deduplicated: false };
  };

  const workflowFrom: ResourceOps['workflowFrom'] = async (kind, ns, name, base) => {
    const meta = (base.metadata ??= {}) as { labels?: Record<string, string> };
    const labels = (meta.labels ??= {});
    const spec = (base.spec ??= {}) as Record<string, unknown>;
    if (kind === 'WorkflowTemplate' || kind === 'ClusterWorkflowTemplate') {
      const cluster = kind === 'ClusterWorkflowTemplate';
      if (!(await store.get(kind, cluster ? undefined : ns, name))) throw new NonRetryableError('NOT_FOUND', `${kind} ${name} not found`);
      spec.workflowTemplateRef = cluster ? { name, clusterScope: true } : { name };
      labels[cluster ? 'workflows.argoproj.io/cluster-workflow-template' : 'workflows.argoproj.io/workflow-template'] = name;
      return base;
    }
    const cron = await store.get('CronWorkflow', ns, name);
    if (!cron) throw new NonRetryableError('NOT_FOUND', `CronWorkflow ${ns}/${name} not found`);
    const cs = (cron.spec ?? {}) as { workflowSpec?: Record<string, unknown> };
    base.spec = { ...structuredClone(cs.workflowSpec ?? {}), ...spec };
    labels['workflows.argoproj.io/cron-workflow'] = name;
    return base;
  };

  return { create, workflowOp, workflowFrom, ...(store.anyKind ? { anyKind: anyKindAction(store.anyKind) } : {}) };
}

/** Kafka producers (@platformatic/kafka), one per broker list; each connects on its first send. */
export function kafkaPublisher(log: Logger): Publisher & { close(): Promise<void> } {
  const producers = new Map<string, Producer>();
  return {
    async publish(t, payload, signal) {
      if (signal.aborted) throw new WeirError('CANCELLED', 'kafka publish cancelled');
      let producer = producers.get(t.url);
      if (!producer) {
        const bootstrapBrokers = t.url
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        // Every in-sync replica acknowledges (as kafkajs did; the client's own default is the leader only).
        producer = new Producer({ clientId: 'weir-sensor', bootstrapBrokers, autocreateTopics: true, acks: ProduceAcks.ALL });
        producers.set(t.url, producer);
      }
      const headers = new Map(Object.entries(t.headers ?? {}).map(([k, v]) => [Buffer.from(k), Buffer.from(v)] as const));
      await producer.send({
        messages: [{ topic: t.topic, ...(t.key !== undefined ? { key: Buffer.from(t.key) } : {}), value: Buffer.from(payload), headers }],
      });
    },
    async close() {
      for (const p of producers.values())
        await p.close(true).catch((e: unknown) => log.warn({ err: errorMessage(e) }, 'kafka producer close failed'));
      producers.clear();
    },
  };
}

/** Plain NATS connections, one per URL, connected on first use. */
export function natsPublisher(log: Logger): Publisher & { close(): Promise<void> } {
  const conns = new Map<string, Promise<NatsConnection>>();
  return {
    async publish(t, payload, signal) {
      if (signal.aborted) throw new WeirError('CANCELLED', 'nats publish cancelled');
      let c = conns.get(t.url);
      if (!c) {
        c = connect({ servers: t.url, reconnect: true });
        conns.set(t.url, c);
        c.catch(() => conns.delete(t.url));
      }
      const nc = await c;
      nc.publish(t.topic, payload);
      await nc.flush();
    },
    async close() {
      for (const c of conns.values())
        await c.then((x) => x.drain()).catch((e: unknown) => log.warn({ err: errorMessage(e) }, 'nats connection close failed'));
      conns.clear();
    },
  };
}
