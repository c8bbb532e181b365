// Child process of the crash test: a WorkflowController over a JSON-file store and a host executor (unisolated, so
// steps can append to a host file). Usage: node crash-child.js STORE_FILE DATA_DIR. Prints "ready" once running.
import { HostExecutor } from '../../src/executor/host-executor.js';
import { WorkflowController } from '../../src/controller/controller.js';
import { JsonFileStore } from '../helpers/json-file-store.js';

const [storePath, dataDir] = process.argv.slice(2);
const store = new JsonFileStore(storePath);
const executor = new HostExecutor({ dataDir, bwrapPath: null, pollIntervalMs: 50 });
const controller = new WorkflowController({ store, executor, resyncMs: 500 });
const ac = new AbortController();
process.on('SIGTERM', () => ac.abort());
const running = controller.run(ac.signal);
process.stdout.write('ready\n');
await running;
