// `weir resume`: see OPS.resume in ops.ts (PUT /api/v1/workflows/{ns}/{name}/resume).
import { OPS, opVerb } from './ops.js';

export const verb = opVerb(OPS.resume);
