// `weir sensor create|list|get|delete`: Sensors on a running server (see resource-verbs.ts); `weir sensor test` and
// `weir sensor history` (offline replay and the decision log) live in sensor-tools.ts; `weir sensor logs NAME` (the
// sensor's log records from the server) in component-logs.ts.
import { SENSOR_LOGS, componentLogs } from './component-logs.js';
import { resourceVerb } from './resource-verbs.js';
import { kindRow } from './resources.js';
import type { Verb } from './io.js';
import { SENSOR_TOOLS_HELP, sensorHistory, sensorTest } from './sensor-tools.js';

const crud = resourceVerb(kindRow('Sensor'));

export const verb: Verb = async (args, io) => {
  if (args[0] === 'test') return sensorTest(args.slice(1), io);
  if (args[0] === 'history') return sensorHistory(args.slice(1), io);
  if (args[0] === 'logs') return componentLogs(SENSOR_LOGS, args.slice(1), io);
  const code = await crud(args, io);
  if (args.includes('--help') || args.includes('-h') || args[0] === 'help')
    io.stdout(
      `${SENSOR_TOOLS_HELP}  weir sensor logs NAME [-f] [--tail N] [--since DUR] [--grep TEXT] [--trigger T] [-o json]\n      Log records of a sensor the server runs (see weir sensor logs --help).\n`,
    );
  return code;
};
