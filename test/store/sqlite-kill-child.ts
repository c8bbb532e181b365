// Child process of the SIGKILL durability test (not a test file): opens the SQLite store in argv[2] with
// synchronous mode argv[3], then creates and updates ConfigMaps forever, printing one line per acknowledged write.
import { writeSync } from 'node:fs';
import { createSqliteStore } from '../../src/store/sqlite-store.js';

const store = createSqliteStore({ dataDir: process.argv[2], synchronous: process.argv[3] === 'normal' ? 'normal' : 'full' });
for (let i = 0; ; i++) {
  const o = await store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `k${i}`, labels: { n: String(i) } }, data: { v: '0' } });
  writeSync(1, `${o.metadata.name} ${o.metadata.resourceVersion} 0\n`);
  const u = await store.update('ConfigMap', { ...o, data: { v: '1' } });
  writeSync(1, `${u.metadata.name} ${u.metadata.resourceVersion} 1\n`);
}
