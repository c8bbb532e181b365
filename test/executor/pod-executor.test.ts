// The pod executor runs the same conformance suite as the host and container executors, against the real API
// server and the test node (scripts/kube-env.sh up --with-node): one Pod per step, outcomes read from the pod.
import { runExecutorConformance } from './conformance.js';
import { makePodEnv } from './pod-env.js';

runExecutorConformance('pod', () => makePodEnv(), { isolation: true, mounts: true });
