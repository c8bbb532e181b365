// Artifacts end to end with `weir run` (local repository in the data dir): a directory passed between two steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFixture } from './run-kit.js';

test('a directory artifact (default tgz) and a file artifact (archive: none) flow from one step to the next', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'weir-run-art-'));
  try {
    const r = await runFixture('test/fixtures/run/artifacts-dir.yaml', '--data-dir', dataDir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.node('use').outputs?.result, 'alpha\nbravo\nplain note\n600');
    assert.equal(r.node('make').outputs?.result, 'writing /tmp/out');
    const make = r.node('make');
    const tree = make.outputs?.artifacts?.find((a) => a.name === 'tree');
    assert.deepEqual(tree?.local, { key: `art-dir/${make.id}/tree.tgz` });
    const note = make.outputs?.artifacts?.find((a) => a.name === 'note');
    assert.deepEqual(note?.local, { key: `art-dir/${make.id}/note.txt` });
    assert.deepEqual(await readdir(join(dataDir, 'artifacts', 'art-dir', make.id)), ['note.txt', 'tree.tgz']);
    assert.deepEqual(
      r.node('use').inputs?.artifacts?.map((a) => [a.name, a.path, a.local?.key]),
      [
        ['tree', '/in/tree', `art-dir/${make.id}/tree.tgz`],
        ['note', '/in/note.txt', `art-dir/${make.id}/note.txt`],
      ],
    );
    assert.deepEqual(
      r.wf.status.outputs?.artifacts?.map((a) => [a.name, a.local?.key]),
      [['the-tree', `art-dir/${make.id}/tree.tgz`]],
    );
    assert.equal((r.wf.status.artifactRepositoryRef as { default?: boolean }).default, true);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
