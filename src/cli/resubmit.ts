// `weir resubmit`: see OPS.resubmit in ops.ts (PUT /api/v1/workflows/{ns}/{name}/resubmit).
import { OPS, opVerb } from './ops.js';

export const verb = opVerb(OPS.resubmit);
