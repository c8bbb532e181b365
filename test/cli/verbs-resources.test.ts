// Server verbs for the other kinds against a real in-process `weir server`: template, cluster-template, cron
// (with suspend/resume), eventsource and sensor create/list/get/delete; apply create-then-update; submit --from.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { repoPath } from '../helpers/paths.js';
import { startVerbKit } from './verbs-kit.js';

const A = 'argoproj.io/v1alpha1';
const echoTemplate = (kind: string, name: string, word: string): Record<string, unknown> => ({
  apiVersion: A,
  kind,
  metadata: { name },
  spec: {
    entrypoint: 'say',
    arguments: { parameters: [{ name: 'word', value: word }] },
    templates: [{ name: 'say', container: { image: 'alpine', command: ['echo', '{{workflow.parameters.word}}'] } }],
  },
});

describe('resource verbs', () => {
  test('template create/list/get/delete and submit --from workflowtemplate with -p', async () => {
    await using k = await startVerbKit();
    const c = await k.weir('template', 'create', await k.manifest('t.yaml', echoTemplate('WorkflowTemplate', 'echo', 'hello')));
    assert.equal(c.code, 0, c.err);
    assert.match(c.out, /^Name:\s+echo\nNamespace:\s+default\nCreated:/);
    assert.match((await k.weir('template', 'list')).out, /^NAME\s+AGE\necho\s+\d+s\n$/);
    const got = JSON.parse((await k.weir('template', 'get', 'echo', '-o', 'json')).out) as unknown;
    assert.deepEqual(got, await k.fetchJson('/api/v1/workflow-templates/default/echo'));

    const sub = await k.weir('submit', '--from', 'workflowtemplate/echo', '-p', 'word=bonjour', '--wait', '-o', 'name');
    assert.equal(sub.code, 0, sub.err);
    const name = sub.out.split('\n')[0];
    assert.match(name, /^echo-\w{5}$/);
    assert.match((await k.weir('logs', name)).out, /: bonjour\n$/);
    const wf = JSON.parse((await k.weir('get', name, '-o', 'json')).out) as {
      spec: Record<string, unknown>;
      metadata: { labels: Record<string, string> };
    };
    assert.deepEqual(wf.spec.workflowTemplateRef, { name: 'echo' });
    assert.equal(wf.metadata.labels['workflows.argoproj.io/workflow-template'], 'echo');

    assert.equal((await k.weir('template', 'delete', 'echo')).out, "WorkflowTemplate 'echo' deleted\n");
    const again = await k.weir('template', 'get', 'echo');
    assert.equal(again.code, 1);
    assert.match(again.err, /not found/);
  });

  test('cluster-template and submit --from cwft', async () => {
    await using k = await startVerbKit();
    const c = await k.weir(
      'cluster-template',
      'create',
      await k.manifest('c.yaml', echoTemplate('ClusterWorkflowTemplate', 'shared', 'everyone')),
    );
    assert.equal(c.code, 0, c.err);
    assert.doesNotMatch(c.out, /Namespace:/);
    assert.equal((await k.weir('cluster-template', 'list', '-o', 'name')).out, 'shared\n');
    const sub = await k.weir('submit', '--from', 'cwft/shared', '--wait');
    assert.equal(sub.code, 0, sub.err);
    assert.match((await k.weir('logs', '@latest')).out, /: everyone\n$/);
    assert.equal((await k.weir('cluster-template', 'delete', '--all')).out, "ClusterWorkflowTemplate 'shared' deleted\n");
  });

  test('cron create/list/get/suspend/resume/delete and submit --from cronwf', async () => {
    await using k = await startVerbKit();
    const c = await k.weir('cron', 'create', repoPath('examples/cron-workflow.yaml'));
    assert.equal(c.code, 0, c.err);
    assert.match(c.out, /^Schedules:\s+30 2 \* \* \*$/m);
    const list = (await k.weir('cron', 'list')).out;
    assert.match(list, /^NAME\s+AGE\s+LAST RUN\s+NEXT RUN\s+SCHEDULES\s+TIMEZONE\s+SUSPENDED$/m);
    assert.match(list, /^nightly-report\s+\d+s\s+N\/A\s+\S+\s+30 2 \* \* \*\s+Europe\/Berlin\s+false$/m);
    assert.equal((await k.weir('cron', 'suspend', 'nightly-report')).out, "CronWorkflow 'nightly-report' suspended\n");
    assert.match((await k.weir('cron', 'get', 'nightly-report')).out, /^Suspended:\s+true$/m);
    await k.weir('cron', 'resume', 'nightly-report');
    assert.equal(
      ((await k.fetchJson('/api/v1/cron-workflows/default/nightly-report')) as { spec: { suspend?: boolean } }).spec.suspend,
      false,
    );
    const sub = await k.weir('submit', '--from', 'cronwf/nightly-report', '-o', 'json');
    assert.equal(sub.code, 0, sub.err);
    const wf = JSON.parse(sub.out) as { metadata: { name: string; labels: Record<string, string> } };
    assert.match(wf.metadata.name, /^nightly-report-/);
    assert.equal(wf.metadata.labels['workflows.argoproj.io/cron-workflow'], 'nightly-report');
    assert.equal((await k.weir('cron', 'delete', 'nightly-report')).code, 0);
    assert.equal((await k.weir('cron', 'list', '-o', 'name')).out, '');
  });

  test('eventsource and sensor create/list/get/delete', async () => {
    await using k = await startVerbKit();
    const es = await k.weir('eventsource', 'create', repoPath('examples/webhook-eventsource.yaml'));
    assert.equal(es.code, 0, es.err);
    const esName = /^Name:\s+(\S+)$/m.exec(es.out)?.[1] ?? '';
    assert.match((await k.weir('eventsource', 'list')).out, new RegExp(`^${esName}\\s+\\d+s\\s+webhook\\s+(running|starting|-)$`, 'm'));
    const sn = await k.weir('sensor', 'create', repoPath('examples/webhook-sensor.yaml'));
    assert.equal(sn.code, 0, sn.err);
    const snName = /^Name:\s+(\S+)$/m.exec(sn.out)?.[1] ?? '';
    assert.match((await k.weir('sensor', 'get', snName)).out, /^Triggers:\s+[1-9]/m);
    assert.match((await k.weir('sensor', 'list')).out, /^NAME\s+AGE\s+DEPENDENCIES\s+TRIGGERS$/m);
    const dup = await k.weir('sensor', 'create', repoPath('examples/webhook-sensor.yaml'));
    assert.equal(dup.code, 1);
    assert.match(dup.err, /^weir: .*already exists/);
    assert.equal((await k.weir('sensor', 'delete', snName)).code, 0);
    assert.equal((await k.weir('eventsource', 'delete', esName)).code, 0);
    assert.equal((await k.weir('eventsource', 'list', '-o', 'json')).out, '[]\n');
    const wrong = await k.weir('sensor', 'create', repoPath('examples/webhook-eventsource.yaml'));
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /webhook-eventsource\.yaml:\d+:\d+: error: weir sensor create takes Sensors, not EventSource/);
  });

  test('apply creates, then updates in place (resourceVersion kept), then reports unchanged; workflows are not replaced', async () => {
    await using k = await startVerbKit();
    const v1 = await k.manifest('v1.yaml', echoTemplate('WorkflowTemplate', 'greet', 'one'), {
      apiVersion: A,
      kind: 'Workflow',
      metadata: { name: 'greet-run' },
      spec: { workflowTemplateRef: { name: 'greet' } },
    });
    const first = await k.weir('apply', '-f', v1);
    assert.equal(first.code, 0, first.err);
    assert.equal(first.out, "WorkflowTemplate 'greet' created\nWorkflow 'greet-run' created\n");
    const before = (await k.fetchJson('/api/v1/workflow-templates/default/greet')) as {
      metadata: { uid: string; resourceVersion: string };
    };

    const v2 = await k.manifest('v2.yaml', echoTemplate('WorkflowTemplate', 'greet', 'two'));
    const second = await k.weir('apply', '-f', v2, '-f', v1);
    assert.equal(second.code, 0, second.err);
    assert.equal(
      second.out,
      "WorkflowTemplate 'greet' configured\nWorkflowTemplate 'greet' configured\nWorkflow 'greet-run' unchanged (exists; workflows are runs and are not updated)\n",
    );
    const after = (await k.fetchJson('/api/v1/workflow-templates/default/greet')) as {
      metadata: { uid: string; resourceVersion: string };
      spec: { arguments: { parameters: { value: string }[] } };
    };
    assert.equal(after.metadata.uid, before.metadata.uid, 'updated, not recreated');
    assert.notEqual(after.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.equal(after.spec.arguments.parameters[0].value, 'one', 'the last document applied wins');

    const third = await k.weir('apply', '-f', v2);
    assert.equal(third.out, "WorkflowTemplate 'greet' configured\n");
    const fourth = await k.weir('apply', '-f', v2);
    assert.equal(fourth.out, "WorkflowTemplate 'greet' unchanged\n");
    assert.equal(
      ((await k.fetchJson('/api/v1/workflow-templates/default/greet')) as { spec: { arguments: { parameters: { value: string }[] } } }).spec
        .arguments.parameters[0].value,
      'two',
    );

    const bus = await k.manifest('bus.yaml', { apiVersion: A, kind: 'EventBus', metadata: { name: 'default' }, spec: { jetstream: {} } });
    const refused = await k.weir('apply', '-f', bus);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /bus\.yaml:\d+:\d+: error: weir apply cannot send EventBus/);
    const ns = await k.weir('apply', '-f', v2, '-n', 'other');
    assert.equal(ns.code, 0, ns.err);
    assert.equal(ns.out, "WorkflowTemplate 'greet' created\n");
  });
});
