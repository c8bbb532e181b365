// `weir terminate`: see OPS.terminate in ops.ts (PUT /api/v1/workflows/{ns}/{name}/terminate).
import { OPS, opVerb } from './ops.js';

export const verb = opVerb(OPS.terminate);
