// Driver `raw` (input only): the artifact's literal `raw.data` becomes a file. Config keys: `raw.data`.
import { writeFile } from 'node:fs/promises';
import { WeirError } from '../core/errors.js';
import type { ArtifactDriver, LoadedKind } from './types.js';

export function rawDriver(): ArtifactDriver {
  return {
    kind: 'raw',
    async load(loc, dest): Promise<LoadedKind> {
      const data = loc.raw?.data;
      if (typeof data !== 'string') throw new WeirError('INVALID_SPEC', 'raw artifact needs data');
      await writeFile(dest, data, { flag: 'wx' });
      return 'file';
    },
  };
}
