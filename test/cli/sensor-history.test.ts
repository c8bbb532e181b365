// Issue 11 item 21: `weir sensor history` reads the decision log through the API (--server, --token, -n) like every
// other verb, and never opens or creates a store in the working directory.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { eventually, post, sensorYaml, webhookSourceYaml } from '../e2e/events-kit.js';
import { freePort } from '../helpers/nats-server.js';
import { startVerbKit } from './verbs-kit.js';

test('weir sensor history NAME goes through the API: decisions from the server, nothing created in the cwd', async () => {
  await using k = await startVerbKit({ token: 'history-token' });
  const cwd = await mkdtemp(join(tmpdir(), 'weir-history-cwd-'));
  try {
    const port = await freePort();
    const file = join(k.dir, 'pair.yaml');
    await writeFile(
      file,
      `${webhookSourceYaml('hist-src', 'ping', port, '/ping')}---\n${sensorYaml({
        name: 'hist',
        deps: [{ name: 'p', eventSourceName: 'hist-src', eventName: 'ping' }],
        params: { id: { dependencyName: 'p', dataKey: 'body.id' } },
      })}`,
    );
    const run = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
      const io = memoryIo({ WEIR_SERVER: k.url }, cwd);
      const code = await main([...args, '--token', 'history-token'], io);
      return { code, out: io.out, err: io.err };
    };
    assert.equal((await run('apply', '-f', file)).code, 0);
    await eventually(async () => (await post(`http://127.0.0.1:${port}/ping`, { id: 'h-1' })) === 200, {
      timeoutMs: 20_000,
      everyMs: 100,
      what: 'webhook accepts an event',
    });
    const text = await eventually(
      async () => {
        const r = await run('sensor', 'history', 'hist');
        return r.code === 0 && /TRIGGERED/.test(r.out) && r.out;
      },
      { timeoutMs: 20_000, everyMs: 100, what: 'the trigger recorded' },
    );
    assert.match(text, /matched dependency p/);
    assert.match(text, /events: 1, errors: 0/);
    const events = await run('sensor', 'history', 'hist', '--events');
    assert.equal((JSON.parse(events.out.trim().split('\n')[0]) as { source: string }).source, 'hist-src');
    assert.ok(!existsSync(join(cwd, '.weir')), 'no .weir created in the working directory');

    const other = await run('sensor', 'history', 'hist', '-n', 'elsewhere');
    assert.equal(other.code, 1);
    assert.match(other.err, /sensor elsewhere\/hist not found/);
    const io = memoryIo({ WEIR_SERVER: k.url }, cwd);
    assert.equal(await main(['sensor', 'history', 'hist'], io), 1, 'the token is needed');
    assert.match(io.err, /token/i);
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});
