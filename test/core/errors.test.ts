// Every error code is documented in README.md with its HTTP status, and WeirError keeps code and cause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ErrorCodes, WeirError, toWeirError, NonRetryableError } from '../../src/core/errors.js';
import { repoPath } from '../helpers/paths.js';

test('every error code is documented in the README with its HTTP status', () => {
  const readme = readFileSync(repoPath('README.md'), 'utf8');
  for (const [code, info] of Object.entries(ErrorCodes)) {
    assert.match(readme, new RegExp(`\\| \`${code}\` \\| ${info.status} \\|`), `README.md does not document ${code}`);
  }
});

test('WeirError carries code, status and cause', () => {
  const cause = new Error('disk full');
  const e = new WeirError('IO_ERROR', 'cannot write', { cause });
  assert.equal(e.code, 'IO_ERROR');
  assert.equal(e.httpStatus, 500);
  assert.equal(e.cause, cause);
  assert.equal(e.name, 'WeirError');
  assert.equal(new NonRetryableError('INVALID_SPEC', 'x').name, 'NonRetryableError');
  const wrapped = toWeirError(new TypeError('boom'));
  assert.equal(wrapped.code, 'INTERNAL');
  assert.ok(wrapped.cause instanceof TypeError);
  assert.equal(toWeirError(e), e);
});
