// Table tests for the dependency filters (exprs, data, context, time, script) with their logical operators, and for
// trigger parameters (Argo's resolution order, operations, raw data, payloads).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeCloudEvent } from '../../src/core/cloudevent.js';
import type { CloudEvent } from '../../src/core/cloudevent.js';
import { evaluateWithParams } from '../../src/expr/govaluate.js';
import { applyFilters } from '../../sensors/filters/registry.js';
import { parseJsonLossless } from '../../src/core/json-lossless.js';
import type { DependencyFilters } from '../../sensors/filters/registry.js';
import { applyParams, constructPayload, resolveParamValue } from '../../sensors/parameters.js';

const ctx = { evalExpr: (src: string, env: Record<string, unknown>) => evaluateWithParams(src, env) };
const ev = (data: unknown, extra: Partial<CloudEvent> = {}): CloudEvent =>
  makeCloudEvent({ id: 'e1', source: 'webhook', subject: 'example', type: 'webhook', time: '2024-05-01T10:30:00Z', data, ...extra });
const data = { body: { total: 120, currency: 'EUR', country: 'de', express: true, name: 'order-7', action: 'restart' } };

describe('filters', () => {
  const cases: [string, DependencyFilters, string | undefined, boolean, string?][] = [
    ['number >=', { data: [{ path: 'body.total', type: 'number', value: ['100'], comparator: '>=' }] }, undefined, true],
    ['number < fails', { data: [{ path: 'body.total', type: 'number', value: ['100'], comparator: '<' }] }, undefined, false, 'data'],
    ['string regexp', { data: [{ path: 'body.name', type: 'string', value: ['^order-\\d+$'] }] }, undefined, true],
    ['string != ', { data: [{ path: 'body.currency', type: 'string', value: ['USD'], comparator: '!=' }] }, undefined, true],
    ['bool', { data: [{ path: 'body.express', type: 'bool', value: ['true'] }] }, undefined, true],
    [
      'template upper',
      { data: [{ path: 'body.country', type: 'string', value: ['^DE$'], template: '{{ .Input | upper }}' }] },
      undefined,
      true,
    ],
    ['missing path errors', { data: [{ path: 'body.nope', type: 'string', value: ['x'] }] }, undefined, false, 'data'],
    [
      'data or: one of two',
      {
        data: [
          { path: 'body.total', type: 'number', value: ['1'] },
          { path: 'body.currency', type: 'string', value: ['EUR'] },
        ],
        dataLogicalOperator: 'or',
      },
      undefined,
      true,
    ],
    [
      'data and: one of two fails',
      {
        data: [
          { path: 'body.total', type: 'number', value: ['1'] },
          { path: 'body.currency', type: 'string', value: ['EUR'] },
        ],
      },
      undefined,
      false,
      'data',
    ],
    [
      'expr',
      {
        exprs: [
          {
            expr: 'total > 50 && currency == "EUR"',
            fields: [
              { name: 'total', path: 'body.total' },
              { name: 'currency', path: 'body.currency' },
            ],
          },
        ],
      },
      undefined,
      true,
    ],
    ['expr false', { exprs: [{ expr: 'total > 500', fields: [{ name: 'total', path: 'body.total' }] }] }, undefined, false, 'exprs'],
    [
      'expr =~ (govaluate regex, Argo)',
      { exprs: [{ expr: 'action =~ "start"', fields: [{ name: 'action', path: 'body.action' }] }] },
      undefined,
      true,
    ],
    ['expr !~', { exprs: [{ expr: 'action !~ "^re"', fields: [{ name: 'action', path: 'body.action' }] }] }, undefined, false, 'exprs'],
    [
      'expr in (...) (govaluate)',
      { exprs: [{ expr: 'action in ("start","restart")', fields: [{ name: 'action', path: 'body.action' }] }] },
      undefined,
      true,
    ],
    [
      'expr in (...) miss',
      { exprs: [{ expr: 'action in ("start","stop")', fields: [{ name: 'action', path: 'body.action' }] }] },
      undefined,
      false,
      'exprs',
    ],
    [
      'expr unknown parameter is an error',
      { exprs: [{ expr: 'nope == 1', fields: [{ name: 'total', path: 'body.total' }] }] },
      undefined,
      false,
      'exprs',
    ],
    ['expr without fields is skipped', { exprs: [{ expr: 'false' }] }, undefined, true],
    ['context', { context: { source: 'webhook', subject: 'example' } }, undefined, true],
    ['context mismatch', { context: { type: 'calendar' } }, undefined, false, 'context'],
    ['time window', { time: { start: '10:00:00', stop: '11:00:00' } }, undefined, true],
    ['time window outside', { time: { start: '11:00:00', stop: '12:00:00' } }, undefined, false, 'time'],
    ['time window wraps midnight', { time: { start: '22:00:00', stop: '11:00:00' } }, undefined, true],
    ['time zone', { time: { start: '12:00:00', stop: '13:00:00', timezone: 'Europe/Berlin' } }, undefined, true],
    ['script refused', { script: 'return true' }, undefined, false, 'script'],
    [
      'filters or: data fails, context passes',
      { data: [{ path: 'body.total', type: 'number', value: ['1'] }], context: { source: 'webhook' } },
      'or',
      true,
    ],
    [
      'filters and: data passes, time fails',
      { data: [{ path: 'body.total', type: 'number', value: ['120'] }], time: { start: '00:00:00', stop: '01:00:00' } },
      'and',
      false,
      'time',
    ],
  ];
  for (const [name, filters, op, pass, kind] of cases) {
    test(name, () => {
      const r = applyFilters(filters, op, ev(data), ctx);
      assert.equal(r.pass, pass, r.reason);
      if (!pass) {
        assert.equal(r.filter, kind);
        assert.ok(r.reason && r.reason.length > 0);
      }
    });
  }
  test('no data passes data filters (as in Argo)', () => {
    assert.equal(applyFilters({ data: [{ path: 'x', type: 'string', value: ['y'] }] }, undefined, ev(undefined), ctx).pass, true);
  });
});

describe('parameters', () => {
  const events = { dep: ev({ body: { id: 7, name: 'n1', obj: { a: 1 }, nil: null } }) };
  test('resolution order: template, then key, then default', () => {
    assert.deepEqual(
      resolveParamValue({ dependencyName: 'dep', dataTemplate: '{{ .Input.body.name | upper }}', dataKey: 'body.id' }, events),
      { text: 'N1', kind: 'String' },
    );
    assert.deepEqual(resolveParamValue({ dependencyName: 'dep', dataTemplate: '{{ .Input.body.nope }}', dataKey: 'body.id' }, events), {
      text: '7',
      kind: 'Number',
    });
    assert.deepEqual(resolveParamValue({ dependencyName: 'dep', dataKey: 'body.nope', value: 'd' }, events), { text: 'd', kind: 'String' });
    assert.deepEqual(resolveParamValue({ dependencyName: 'dep', dataKey: 'body.obj' }, events), { text: '{"a":1}', kind: 'JSON' });
    assert.deepEqual(resolveParamValue({ dependencyName: 'dep', dataKey: 'body.nil' }, events), { text: 'null', kind: 'Null' });
    assert.deepEqual(resolveParamValue({ dependencyName: 'dep', contextKey: 'source' }, events), { text: 'webhook', kind: 'String' });
    assert.deepEqual(resolveParamValue({ dependencyName: 'dep', contextTemplate: '{{ .Input.id }}-{{ .Input.subject }}' }, events), {
      text: 'e1-example',
      kind: 'String',
    });
  });
  test('missing event: default or skipped; unresolvable without default: error', () => {
    assert.deepEqual(resolveParamValue({ dependencyName: 'other', value: 'x' }, events), { text: 'x', kind: 'String' });
    assert.equal(resolveParamValue({ dependencyName: 'other', dataKey: 'a' }, events), undefined);
    assert.throws(() => resolveParamValue({ dependencyName: 'dep', dataKey: 'body.nope' }, events), /unable to resolve 'dep' parameter/);
  });
  test('no selector and no default: the whole event as Argo marshals it (data is a []byte, so base64)', () => {
    const v = resolveParamValue({ dependencyName: 'dep' }, events);
    const dataText = '{"body":{"id":7,"name":"n1","obj":{"a":1},"nil":null}}';
    assert.equal(
      v?.text,
      `{"context":{"id":"e1","source":"webhook","specversion":"1.0","type":"webhook","datacontenttype":"application/json","subject":"example","time":"2024-05-01T10:30:00Z"},"data":"${Buffer.from(dataText).toString('base64')}"}`,
    );
    assert.equal(v?.kind, 'String');
    const ms = resolveParamValue({ dependencyName: 'dep' }, { dep: ev(null, { time: '2024-05-01T10:30:00.123Z' }) });
    assert.equal(
      ms?.text,
      '{"context":{"id":"e1","source":"webhook","specversion":"1.0","type":"webhook","datacontenttype":"application/json","subject":"example","time":"2024-05-01T10:30:00Z"},"data":null}',
    );
  });
  test('apply: overwrite, append, prepend, raw data, -1', () => {
    const obj = { spec: { args: ['a'], name: 'base', params: [{ value: 'old' }] } };
    const out = applyParams(
      obj,
      [
        { src: { dependencyName: 'dep', dataKey: 'body.name' }, dest: 'spec.params.0.value' },
        { src: { dependencyName: 'dep', dataKey: 'body.name' }, dest: 'spec.name', operation: 'append' },
        { src: { dependencyName: 'dep', value: 'pre-' }, dest: 'spec.prefixed', operation: 'prepend' },
        { src: { dependencyName: 'dep', dataKey: 'body.id' }, dest: 'spec.idText' },
        { src: { dependencyName: 'dep', dataKey: 'body.id', useRawData: true }, dest: 'spec.idRaw' },
        { src: { dependencyName: 'dep', dataKey: 'body.obj', useRawData: true }, dest: 'spec.obj' },
        { src: { dependencyName: 'dep', dataKey: 'body.obj' }, dest: 'spec.objText' },
        { src: { dependencyName: 'dep', value: 'b' }, dest: 'spec.args.-1' },
      ],
      events,
    );
    assert.deepEqual(out, {
      spec: {
        args: ['a', 'b'],
        name: 'basen1',
        params: [{ value: 'n1' }],
        prefixed: 'pre-',
        idText: '7',
        idRaw: 7,
        obj: { a: 1 },
        objText: '{"a":1}',
      },
    });
    assert.deepEqual(obj.spec.params, [{ value: 'old' }], 'input untouched');
  });
  test('values are data: a template-looking value is inserted literally', () => {
    const evs = { dep: ev({ x: '{{ .Input.secret }}' }) };
    assert.deepEqual(applyParams({}, [{ src: { dependencyName: 'dep', dataKey: 'x' }, dest: 'a' }], evs), { a: '{{ .Input.secret }}' });
  });
  test('payload: dests build a JSON object; empty dest is the whole payload', () => {
    assert.equal(
      constructPayload(
        [
          { src: { dependencyName: 'dep', dataKey: 'body.id', useRawData: true }, dest: 'id' },
          { src: { dependencyName: 'dep', dataKey: 'body.name' }, dest: 'who.name' },
        ],
        events,
      ),
      '{"id":7,"who":{"name":"n1"}}',
    );
    assert.equal(constructPayload([{ src: { dependencyName: 'dep', dataKey: 'body.obj' }, dest: '' }], events), '{"a":1}');
    assert.equal(constructPayload([], events), '');
  });
  test('unsupported operation is an error', () => {
    assert.throws(
      () => applyParams({}, [{ src: { dependencyName: 'dep', value: 'x' }, dest: 'a', operation: 'merge' }], events),
      /unsupported trigger parameter operation/,
    );
  });
});

describe('lossless event numbers (Argo keeps the payload bytes)', () => {
  void test('integers above 2^53 keep their digits for dataKey, filters and JSON blocks; non-integers print as Go floats', () => {
    const data = parseJsonLossless('{"body":{"id":12345678901234567890,"ratio":1.50,"small":7}}');
    const e = { dep: ev(data) };
    assert.deepEqual(resolveParamValue({ dependencyName: 'dep', dataKey: 'body.id' }, e), { text: '12345678901234567890', kind: 'Number' });
    assert.deepEqual(resolveParamValue({ dependencyName: 'dep', dataKey: 'body.ratio' }, e), { text: '1.5', kind: 'Number' });
    assert.deepEqual(resolveParamValue({ dependencyName: 'dep', dataKey: 'body' }, e), {
      text: '{"id":12345678901234567890,"ratio":1.50,"small":7}',
      kind: 'JSON',
    });
    assert.equal(
      JSON.stringify(JSON.parse(JSON.stringify(ev(data)))),
      JSON.stringify(ev(JSON.parse('{"body":{"id":12345678901234567000,"ratio":1.5,"small":7}}'))),
      'control: plain JSON.parse loses the digits',
    );
    assert.equal(JSON.stringify(parseJsonLossless(JSON.stringify(ev(data)))), JSON.stringify(ev(data)), 'the bus round trip keeps them');
    const f = applyFilters(
      {
        data: [
          { path: 'body.id', type: 'string', value: ['^12345678901234567890$'] },
          { path: 'body.id', type: 'number', value: ['1e19'], comparator: '>' },
        ],
      },
      undefined,
      ev(data),
      ctx,
    );
    assert.equal(f.pass, true, f.reason);
    assert.equal(
      applyFilters({ exprs: [{ expr: 'id > 10000000000000000000', fields: [{ name: 'id', path: 'body.id' }] }] }, undefined, ev(data), ctx)
        .pass,
      true,
    );
  });
});
