// The decision log of a sensor over the API, for `weir sensor history` (no Argo equivalent; Weir's own path):
//   GET /api/v1/sensors/{ns}/{name}/history  ->  { decisions: [...], events: [...], status: {...} }
// decisions and events are oldest first, as recorded (src/sensor-host/history.ts). NOT_FOUND when there is neither
// such a Sensor nor a recorded history (a deleted sensor's history stays readable until it is deleted).
import { WeirError } from '../core/errors.js';
import { historyName, readHistory } from '../sensor-host/history.js';
import type { Router } from './router.js';
import { nameOf, namespaceOf } from './routes-common.js';

export function sensorHistoryRoutes(r: Router): void {
  r.get('/api/v1/sensors/:namespace/:name/history', async (ctx) => {
    const ns = namespaceOf(ctx);
    const name = nameOf(ctx);
    const { store } = ctx.opts;
    const [sensor, recorded] = await Promise.all([store.get('Sensor', ns, name), store.get('ConfigMap', ns, historyName(name))]);
    if (!sensor && !recorded) throw new WeirError('NOT_FOUND', `sensor ${ns}/${name} not found`);
    return readHistory(store, ns, name);
  });
}
