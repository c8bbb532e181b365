// The test API server behind a TCP relay (test/helpers/tcp-relay.ts) with a kubeconfig naming the relay: a store
// connected through it loses its connections at a moment the test chooses.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { relay } from '../helpers/tcp-relay.js';
import type { Relay } from '../helpers/tcp-relay.js';

export interface CuttableProxy extends Relay {
  /** A copy of the kubeconfig whose server is the relay. */
  kubeconfig: string;
}

export async function cuttableProxy(kubeconfig: string, server: string, dir: string): Promise<CuttableProxy> {
  const original = readFileSync(kubeconfig, 'utf8');
  if (!original.includes(`server: ${server}`)) throw new Error(`${kubeconfig} names no server ${server}`);
  const r = await relay(new URL(server));
  const proxied = join(dir, `kubeconfig-proxy-${new URL(r.url).port}`);
  writeFileSync(proxied, original.replace(`server: ${server}`, `server: ${r.url}`), { mode: 0o600 });
  return Object.assign(r, { kubeconfig: proxied });
}
