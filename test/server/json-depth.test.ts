// Deeply nested JSON request bodies: the API answers 400 naming the depth limit (never 500 from a stack overflow),
// a body at the limit is still parsed, and the shared depth check itself skips strings and escapes.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument -- untyped JSON response bodies, checked field by field */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKit, hello } from './kit.js';
import { MAX_JSON_DEPTH, jsonDepthExceededAt } from '../../src/core/json-depth.js';

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('JSON nesting depth', () => {
  test('a workflow body nested 100,000 deep is a 400 with the reason; the server keeps answering', async () => {
    await using k = await startKit();
    const body = `{"workflow": ${JSON.stringify(hello()).slice(0, -1)}, "x": ${nested(100_000)}}}`;
    const r = await k.req('POST', '/api/v1/workflows/default', body);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.code, 'PARSE_ERROR');
    assert.match(r.body.message, new RegExp(`deeper than ${MAX_JSON_DEPTH} levels`));
    const ok = await k.req('POST', '/api/v1/workflows/default', { workflow: hello() });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  test('deep bodies on the other write routes are 400 too (config maps, sensors, lint)', async () => {
    await using k = await startKit();
    for (const path of ['/api/v1/workflows/default/lint', '/api/v1/event-sources/default', '/api/v1/sensors/default']) {
      const r = await k.req('POST', path, `{"a": ${nested(MAX_JSON_DEPTH + 1)}}`);
      assert.equal(r.status, 400, path);
      assert.equal(r.body.code, 'PARSE_ERROR', path);
    }
  });

  test('the depth check counts only structure, not brackets inside strings', () => {
    assert.equal(jsonDepthExceededAt(nested(MAX_JSON_DEPTH)), -1, 'exactly the limit passes');
    assert.equal(jsonDepthExceededAt(nested(MAX_JSON_DEPTH + 1)), MAX_JSON_DEPTH);
    const inString = JSON.stringify({ s: '['.repeat(5000) + '\\"[' + '{'.repeat(5000) });
    assert.equal(jsonDepthExceededAt(inString), -1);
    assert.equal(jsonDepthExceededAt(`{"a":"\\\\", "b": ${nested(3)}}`, 4), -1, 'an escaped backslash ends before the quote');
    assert.equal(jsonDepthExceededAt(`{"a":"\\\\", "b": ${nested(3)}}`, 3), 18);
  });
});
