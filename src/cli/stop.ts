// `weir stop`: see OPS.stop in ops.ts (PUT /api/v1/workflows/{ns}/{name}/stop).
import { OPS, opVerb } from './ops.js';

export const verb = opVerb(OPS.stop);
