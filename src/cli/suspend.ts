// `weir suspend`: see OPS.suspend in ops.ts (PUT /api/v1/workflows/{ns}/{name}/suspend).
import { OPS, opVerb } from './ops.js';

export const verb = opVerb(OPS.suspend);
