// `weir retry`: see OPS.retry in ops.ts (PUT /api/v1/workflows/{ns}/{name}/retry).
import { OPS, opVerb } from './ops.js';

export const verb = opVerb(OPS.retry);
