// Issue 11 item 22: every verb and every sub-verb answers --help (and -h) with its usage on stdout, exit 0; unknown
// flags are one well-formed line naming the flag.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main, verbTable } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';

async function weir(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  // No server is reachable here: a verb that tried to connect instead of printing help would fail.
  const io = memoryIo({ WEIR_SERVER: 'http://127.0.0.1:9', NO_COLOR: '1' });
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

const commands = verbTable().flatMap(({ verb, subs }) => [[verb], ...subs.map((s) => [verb, s])]);

describe('--help everywhere', () => {
  test('the walk covers the sub-verbs', () => {
    assert.ok(commands.some((c) => c.join(' ') === 'sensor test'));
    assert.ok(commands.some((c) => c.join(' ') === 'cron backfill'));
    assert.ok(commands.length > 40, `${commands.length} commands`);
  });

  for (const cmd of commands) {
    for (const flag of ['--help', '-h']) {
      test(`weir ${cmd.join(' ')} ${flag}`, async () => {
        const r = await weir(...cmd, flag);
        assert.equal(r.err, '', `stderr: ${r.err}`);
        assert.equal(r.code, 0);
        assert.match(r.out, /^Usage: weir /);
        assert.ok(r.out.includes(`weir ${cmd.join(' ')}`), `the usage names "weir ${cmd.join(' ')}":\n${r.out}`);
      });
    }
  }
});

describe('unknown flags', () => {
  for (const cmd of commands) {
    test(`weir ${cmd.join(' ')} --no-such-flag`, async () => {
      const r = await weir(...cmd, '--no-such-flag');
      assert.equal(r.code, 2);
      assert.equal(r.out, '');
      assert.equal(r.err.split('\n').length, 2, `one line: ${r.err}`);
      assert.match(r.err, /^weir: unknown flag --no-such-flag/);
      assert.equal((r.err.match(/"/g) ?? []).length % 2, 0, `balanced quotes: ${r.err}`);
      assert.equal((r.err.match(/'/g) ?? []).length % 2, 0, `balanced quotes: ${r.err}`);
    });
  }
});
