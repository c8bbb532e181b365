// Git-host webhook sources: GitHub (X-Hub-Signature-256 HMAC over the raw body, sha1 fallback, form content type,
// event-type filter, the delivery GUID as event id, Argo's body with X-GitHub-Event/Delivery added), GitLab
// (X-Gitlab-Token, Argo's event names), Bitbucket Server (X-Hub-Signature) and Bitbucket Cloud, plus the
// conformance suite for github.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createBitbucketServerSource, createBitbucketSource } from '../../eventsources/bitbucket.js';
import { createGithubSource } from '../../eventsources/github.js';
import { createGitlabSource } from '../../eventsources/gitlab.js';
import { freePort } from '../helpers/nats-server.js';
import { runEventSourceConformance } from './conformance.js';
import { FakeBus, eventually, runAdapter } from './kit.js';

const SECRET = 's3cr3t';
const secrets = { gh: { token: SECRET } };
const sign = (body: string, alg = 'sha256', key = SECRET): string => `${alg}=${createHmac(alg, key).update(body).digest('hex')}`;

async function post(port: number, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: res.status, text: await res.text() };
}

async function up(port: number, path: string): Promise<void> {
  await eventually(
    async () =>
      (await fetch(`http://127.0.0.1:${port}${path}`).then(
        (r) => r.status,
        () => 0,
      )) === 405,
    { timeoutMs: 10_000, what: 'endpoint' },
  );
}

const confPort = await freePort();
runEventSourceConformance({
  kind: 'github',
  adapter: createGithubSource,
  spec: () => ({
    webhook: { port: String(confPort), endpoint: '/gh', method: 'POST' },
    webhookSecret: { name: 'gh', key: 'token' },
    events: ['push'],
  }),
  secrets,
  invalid: { 'no webhook': { events: ['push'] }, 'webhook without endpoint': { webhook: { port: '1234' } } },
  ready: () => up(confPort, '/gh'),
  trigger: async (_spec, n) => {
    for (let i = 0; i < n; i++) {
      const body = JSON.stringify({ ref: 'refs/heads/main', i });
      await post(confPort, '/gh', body, { 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': sign(body) });
    }
  },
});

describe('github webhook source', () => {
  test('signature checks, event filter, delivery ids and Argo payload', async () => {
    const port = await freePort();
    const bus = new FakeBus();
    const r = runAdapter({
      adapter: createGithubSource(),
      bus,
      secrets,
      eventName: 'push',
      spec: {
        webhook: { port: String(port), endpoint: '/push', method: 'POST' },
        webhookSecret: { name: 'gh', key: 'token' },
        events: ['push', 'pull_request'],
        metadata: { team: 'a' },
      },
    });
    try {
      await up(port, '/push');
      const body = JSON.stringify({ ref: 'refs/heads/main', after: 'abc' });
      const delivery = randomUUID();
      assert.equal(
        (await post(port, '/push', body, { 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': sign(body) }))
          .status,
        200,
      );
      assert.equal(
        (await post(port, '/push', body, { 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': sign(body) }))
          .status,
        200,
        'a redelivery is accepted',
      );
      const bad = await post(port, '/push', body, {
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': sign(body, 'sha256', 'wrong'),
      });
      assert.equal(bad.status, 401);
      assert.match(bad.text, /signature/);
      assert.equal(
        (await post(port, '/push', body, { 'x-github-event': 'push', 'x-github-delivery': randomUUID() })).status,
        401,
        'unsigned',
      );
      assert.equal(
        (
          await post(port, '/push', `${body} `, {
            'x-github-event': 'push',
            'x-github-delivery': randomUUID(),
            'x-hub-signature-256': sign(body),
          })
        ).status,
        401,
        'body changed after signing',
      );
      const sha1 = await post(port, '/push', body, {
        'x-github-event': 'pull_request',
        'x-github-delivery': randomUUID(),
        'x-hub-signature': sign(body, 'sha1'),
      });
      assert.equal(sha1.status, 200, 'the older sha1 signature');
      const ignored = await post(port, '/push', body, {
        'x-github-event': 'issues',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': sign(body),
      });
      assert.equal(ignored.status, 200);
      assert.match(ignored.text, /ignored/);
      const form = `payload=${encodeURIComponent(body)}`;
      const f = await fetch(`http://127.0.0.1:${port}/push`, {
        method: 'POST',
        body: form,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-github-event': 'push',
          'x-github-delivery': 'form-1',
          'x-hub-signature-256': sign(form),
        },
      });
      assert.equal(f.status, 200);
      await eventually(() => bus.events.length >= 3, { timeoutMs: 5000, what: '3 events' });
    } finally {
      await r.stop();
    }
    assert.equal(
      bus.events.length,
      3,
      'push, pull_request (sha1) and the form push; the redelivery, the bad signatures and issues are not events',
    );
    const e = bus.events[0];
    const d = e.data as { headers: Record<string, string[]>; body: Record<string, unknown>; metadata: unknown };
    assert.equal(d.body.ref, 'refs/heads/main');
    assert.equal(d.body['X-GitHub-Event'], 'push');
    assert.equal(typeof d.body['X-GitHub-Delivery'], 'string');
    assert.deepEqual(d.headers['X-Github-Event'], ['push']);
    assert.deepEqual(d.metadata, { team: 'a' });
    assert.ok(e.id.endsWith(`/delivery:${String(d.body['X-GitHub-Delivery'])}`));
    assert.equal((bus.events[2].data as { body: { after: string } }).body.after, 'abc');
  });
});

describe('gitlab and bitbucket webhook sources', () => {
  test('gitlab: X-Gitlab-Token, Argo event names, event UUID as id', async () => {
    const port = await freePort();
    const bus = new FakeBus();
    const r = runAdapter({
      adapter: createGitlabSource(),
      bus,
      secrets,
      spec: {
        webhook: { port: String(port), endpoint: '/gl', method: 'POST' },
        secretToken: { name: 'gh', key: 'token' },
        events: ['PushEvents'],
      },
    });
    try {
      await up(port, '/gl');
      const body = JSON.stringify({ object_kind: 'push' });
      assert.equal(
        (await post(port, '/gl', body, { 'x-gitlab-token': SECRET, 'x-gitlab-event': 'Push Hook', 'x-gitlab-event-uuid': 'u-1' })).status,
        200,
      );
      assert.equal((await post(port, '/gl', body, { 'x-gitlab-token': 'nope', 'x-gitlab-event': 'Push Hook' })).status, 401);
      assert.match((await post(port, '/gl', body, { 'x-gitlab-token': SECRET, 'x-gitlab-event': 'Merge Request Hook' })).text, /ignored/);
      await eventually(() => bus.events.length >= 1, { timeoutMs: 5000, what: 'event' });
    } finally {
      await r.stop();
    }
    assert.equal(bus.events.length, 1);
    assert.ok(bus.events[0].id.endsWith('/delivery:u-1'));
    assert.deepEqual((bus.events[0].data as { body: unknown }).body, { object_kind: 'push' });
  });

  test('bitbucketserver: X-Hub-Signature; bitbucket: X-Event-Key filter', async () => {
    const port = await freePort();
    const port2 = await freePort();
    const bus = new FakeBus();
    const r1 = runAdapter({
      adapter: createBitbucketServerSource(),
      bus,
      secrets,
      eventName: 'bbs',
      spec: {
        webhook: { port: String(port), endpoint: '/bbs', method: 'POST' },
        webhookSecret: { name: 'gh', key: 'token' },
        events: ['repo:refs_changed'],
      },
    });
    const r2 = runAdapter({
      adapter: createBitbucketSource(),
      bus,
      eventName: 'bbc',
      spec: { webhook: { port: String(port2), endpoint: '/bbc', method: 'POST' }, events: ['repo:push'] },
    });
    try {
      await up(port, '/bbs');
      await up(port2, '/bbc');
      const body = JSON.stringify({ changes: [1] });
      assert.equal(
        (await post(port, '/bbs', body, { 'x-event-key': 'repo:refs_changed', 'x-hub-signature': sign(body), 'x-request-id': 'r1' }))
          .status,
        200,
      );
      assert.equal(
        (await post(port, '/bbs', body, { 'x-event-key': 'repo:refs_changed', 'x-hub-signature': sign(body, 'sha256', 'x') })).status,
        401,
      );
      assert.equal((await post(port2, '/bbc', body, { 'x-event-key': 'repo:push', 'x-request-uuid': 'c1' })).status, 200);
      assert.match((await post(port2, '/bbc', body, { 'x-event-key': 'pullrequest:created' })).text, /ignored/);
      await eventually(() => bus.events.length >= 2, { timeoutMs: 5000, what: 'events' });
    } finally {
      await r1.stop();
      await r2.stop();
    }
    assert.deepEqual(bus.events.map((e) => e.id.split('/').slice(2).join('/')).sort(), ['bbc/delivery:c1', 'bbs/delivery:r1']);
  });
});
