// Lint of a template's volumeMounts: a subPath that leaves its volume (absolute, or `..` above it once normalised)
// is an error, as it is when the step starts (src/controller/host-paths.ts checks again with symlinks resolved).
// A subPath with a {{placeholder}} is checked once filled in, at run time.
import { posix } from 'node:path';
import { finding } from './findings.js';
import type { FieldPath, Finding } from './findings.js';
import { asArr, asObj, str } from './walk.js';
import type { Obj } from './walk.js';

/** Where a template holds containers with volumeMounts, as paths relative to the template. */
function containers(tpl: Obj): { c: Obj; path: FieldPath }[] {
  const out: { c: Obj; path: FieldPath }[] = [];
  for (const k of ['container', 'script']) {
    const c = asObj(tpl[k]);
    if (c !== undefined) out.push({ c, path: [k] });
  }
  const lists: [unknown, FieldPath][] = [
    [asObj(tpl.containerSet)?.containers, ['containerSet', 'containers']],
    [tpl.initContainers, ['initContainers']],
    [tpl.sidecars, ['sidecars']],
  ];
  for (const [list, base] of lists) {
    asArr(list).forEach((x, i) => {
      const c = asObj(x);
      if (c !== undefined) out.push({ c, path: [...base, i] });
    });
  }
  return out;
}

export function lintVolumeMounts(tpl: Obj, path: FieldPath, out: Finding[]): void {
  for (const { c, path: cp } of containers(tpl)) {
    asArr(c.volumeMounts).forEach((m, i) => {
      const sub = str(asObj(m)?.subPath);
      if (sub === undefined || sub === '' || sub.includes('{{')) return;
      const n = posix.normalize(sub);
      if (posix.isAbsolute(sub) || n === '..' || n.startsWith('../')) {
        out.push(
          finding(
            'error',
            'volume-subpath',
            [...path, ...cp, 'volumeMounts', i, 'subPath'],
            `subPath ${JSON.stringify(sub)} leaves its volume: it must be a relative path that stays inside the volume`,
          ),
        );
      }
    });
  }
}
