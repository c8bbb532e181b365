// Child process of the SIGKILL durability tests (not a test file): opens the SQLite store in argv[2] with
// synchronous mode argv[3], then creates and updates ConfigMaps forever, argv[4] (default 1) at a time issued in the
// same tick (so they share group commits), printing one line per acknowledged write as its promise resolves.
import { writeSync } from 'node:fs';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import type { StoredObject } from '../../src/store/types.js';

const store = createSqliteStore({ dataDir: process.argv[2], synchronous: process.argv[3] === 'normal' ? 'normal' : 'full' });
const width = Math.max(1, Number(process.argv[4] ?? '1'));
const ack = (o: StoredObject, v: string): StoredObject => {
  writeSync(1, `${o.metadata.name} ${o.metadata.resourceVersion} ${v}\n`);
  return o;
};
for (let i = 0; ; i += width) {
  const created = await Promise.all(
    Array.from({ length: width }, (_, j) =>
      store
        .create('ConfigMap', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `k${i + j}`, labels: { n: String(i + j) } },
          data: { v: '0' },
        })
        .then((o) => ack(o, '0')),
    ),
  );
  await Promise.all(created.map((o) => store.update('ConfigMap', { ...o, data: { v: '1' } }).then((u) => ack(u, '1'))));
}
