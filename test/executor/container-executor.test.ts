// The container executor runs the same conformance suite as the host executor (podman on this machine, through
// its Docker-compatible API; images from scripts/images.sh).
import { runExecutorConformance } from './conformance.js';
import { makeContainerEnv } from './container-env.js';

runExecutorConformance('container', () => makeContainerEnv(), { isolation: true, mounts: true });
