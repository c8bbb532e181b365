// `weir version`: prints the CLI version (and, later, the server's when one answers).
import type { Verb } from './io.js';
import { packageVersion } from './main.js';

export const verb: Verb = (_args, io) => {
  io.stdout(`weir ${packageVersion()}\n`);
  return Promise.resolve(0);
};
