// A Kafka message whose JSON body nests deeper than the cap is skipped like a non-JSON body (jsonBody: true), so the
// bus never has to serialize it (a stack overflow there would retry forever and stall the partition).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaPayload } from '../../eventsources/kafka.js';
import { MAX_JSON_DEPTH } from '../../src/core/json-depth.js';

const message = (value: string) => ({
  key: Buffer.alloc(0),
  value: Buffer.from(value),
  timestamp: 1700000000000n,
  headers: new Map<Buffer, Buffer>(),
});

test('jsonBody: a body nested 100,000 deep is skipped; one at the cap is parsed', () => {
  assert.equal(kafkaPayload({ jsonBody: true }, 't', 0, message('['.repeat(100_000) + ']'.repeat(100_000))), undefined);
  const ok = kafkaPayload({ jsonBody: true }, 't', 0, message('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)));
  assert.ok(ok !== undefined && Array.isArray(ok.body));
});
