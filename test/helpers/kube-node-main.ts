// Entry point of the test node (kube-node.ts) as its own process, started by `scripts/kube-env.sh up --with-node`:
//   node dist/test/helpers/kube-node-main.js --kubeconfig FILE --kube-dir DIR
// Stops (removing its containers and the Node) on SIGTERM or SIGINT.
import { TestNode } from './kube-node.js';

function flag(name: string): string {
  const i = process.argv.indexOf(name);
  const v = i < 0 ? undefined : process.argv[i + 1];
  if (!v) {
    process.stderr.write(`kube-node: missing ${name}\n`);
    process.exit(2);
  }
  return v;
}

const node = await TestNode.start({ kubeconfig: flag('--kubeconfig'), kubeDir: flag('--kube-dir') });
process.stdout.write(`kube-node: ${node.name} ready\n`);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void node.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
