// Store conformance: label keys and values follow Kubernetes' rules on every create and update, so no write path
// (API, sensor trigger, controller, cron) can store a label a Kubernetes API server would refuse. INVALID_SPEC names
// the label; nothing is written.
import assert from 'node:assert/strict';
import { WeirError } from '../../src/core/errors.js';
import { cm, rejectsCode } from './conformance-kit.js';
import type { WithStore } from './conformance-kit.js';

const long = (n: number): string => 'a'.repeat(n);

export const VALID_LABELS: Record<string, string> = {
  app: 'x',
  'empty-value': '',
  'example.com/team': 'pay_ments.v1-2',
  'workflows.argoproj.io/phase': 'Running',
  [`${long(63)}`]: long(63),
  'MixedCase_key.1': 'MixedCase',
};

export const INVALID_LABELS: [label: string, value: unknown, why: RegExp][] = [
  ['app', 'has space', /invalid value "has space" for label "app"/],
  ['app', long(64), /64 characters long; at most 63/],
  ['app', '-leading', /start and end with a letter or digit/],
  ['app', 'trailing.', /start and end/],
  ['app', 'a/b', /\[A-Za-z0-9-_.\]/],
  ['app', 'ünï', /\[A-Za-z0-9-_.\]/],
  ['app', 7, /must be a string, got number/],
  ['bad key', 'v', /invalid label key "bad key"/],
  [long(64), 'v', /invalid label key/],
  ['Example.com/x', 'v', /prefix must be a lowercase DNS subdomain/],
  ['example.com/', 'v', /name must be 1-63/],
  ['/x', 'v', /prefix must be/],
];

export function runLabelConformance(withStore: WithStore): void {
  withStore('valid label keys and values (prefixes, 63 characters, empty value) are stored on create and update', async (s) => {
    const o = await s.create('ConfigMap', cm('ok', VALID_LABELS));
    assert.deepEqual(o.metadata.labels, VALID_LABELS);
    const u = await s.update('ConfigMap', { ...o, metadata: { ...o.metadata, labels: { ...VALID_LABELS, app: 'y' } } });
    assert.equal(u.metadata.labels?.app, 'y');
  });

  withStore('an invalid label key or value is INVALID_SPEC naming the label, on create and on update; nothing is written', async (s) => {
    const base = await s.create('ConfigMap', cm('base', { app: 'x' }));
    for (const [label, value, why] of INVALID_LABELS) {
      const labels = { ok: 'fine', [label]: value } as unknown as Record<string, string>;
      const check = (e: unknown): boolean => {
        assert.ok(e instanceof WeirError && e.code === 'INVALID_SPEC', String(e));
        assert.match(e.message, why);
        assert.match(e.message, /metadata\.labels/);
        return true;
      };
      await assert.rejects(s.create('ConfigMap', cm('bad', labels)), check, `create ${label}=${String(value)}`);
      await assert.rejects(
        s.update('ConfigMap', { ...base, metadata: { ...base.metadata, labels } }),
        check,
        `update ${label}=${String(value)}`,
      );
    }
    assert.equal(await s.get('ConfigMap', 'default', 'bad'), undefined);
    assert.deepEqual((await s.get('ConfigMap', 'default', 'base'))?.metadata.labels, { app: 'x' });
    assert.equal((await s.list('ConfigMap', { labelSelector: 'app=x' })).items.length, 1);
    await rejectsCode(
      s.create('Workflow', {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { name: 'w', labels: ['x'] as unknown as Record<string, string> },
        spec: {},
      }),
      'INVALID_SPEC',
    );
  });
}
