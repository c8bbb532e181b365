// Chooses and builds the event bus. Precedence: `--bus` / WEIR_BUS (`embedded` or `nats://...`) > the EventBus
// resource (its `jetstreamExotic` spec: URL and stream settings; other Argo bus kinds are run by the embedded bus,
// with a warning) > the embedded bus in the data dir. With a nats:// flag and an exotic EventBus, the flag's URL is
// used with the resource's stream settings. Implementations come from one typed table.
import type { EventBus as EventBusResource } from '../api/eventbus.js';
import { WeirError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { nullLogger } from '../core/logger.js';
import { createEmbeddedBus } from './embedded-bus.js';
import type { EmbeddedBusOptions } from './embedded-bus.js';
import { createJetStreamBus } from './jetstream-bus.js';
import { jetStreamOptionsFromResource } from './jetstream-options.js';
import type { JetStreamBusOptions } from './jetstream-options.js';
import type { EventBus } from './types.js';

export type BusConfig = { kind: 'embedded'; options: EmbeddedBusOptions } | { kind: 'jetstream'; options: JetStreamBusOptions };

export type BusKind = BusConfig['kind'];

type BusFactory<K extends BusKind> = (options: Extract<BusConfig, { kind: K }>['options']) => Promise<EventBus>;

export const BUS_FACTORIES = {
  embedded: (o) => Promise.resolve(createEmbeddedBus(o)),
  jetstream: (o) => createJetStreamBus(o),
} satisfies { [K in BusKind]: BusFactory<K> };

/** Builds the bus the config names; UNKNOWN_KIND for a kind outside the table. */
export function createBus(config: BusConfig): Promise<EventBus> {
  if (!Object.hasOwn(BUS_FACTORIES, config.kind)) {
    return Promise.reject(
      new WeirError('UNKNOWN_KIND', `unknown event bus kind ${JSON.stringify(config.kind)}; have ${Object.keys(BUS_FACTORIES).join(', ')}`),
    );
  }
  const make = BUS_FACTORIES[config.kind] as BusFactory<BusKind>;
  return make(config.options);
}

export interface BusSelection {
  /** `--bus` / WEIR_BUS: `embedded` or a nats:// (tls://) URL, comma separated for several servers. */
  busUrl?: string;
  /** Where the embedded bus keeps `bus.db`. */
  dataDir: string;
  /** The EventBus resource in use (Argo's `default`), when one was applied. */
  eventBus?: EventBusResource;
  logger?: Logger;
}

/** Decides which bus to run (see the file comment for the precedence). */
export function busConfigFrom(sel: BusSelection): BusConfig {
  const logger = sel.logger ?? nullLogger;
  const flag = sel.busUrl?.trim();
  const res = sel.eventBus;
  const name = res?.metadata.name ?? 'default';
  const embedded = (): BusConfig => ({ kind: 'embedded', options: { dataDir: sel.dataDir, name, logger } });
  if (flag !== undefined && flag !== '') {
    if (flag === 'embedded') return embedded();
    if (!/^(nats|tls):\/\//.test(flag)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `--bus / WEIR_BUS must be "embedded" or a NATS URL like nats://127.0.0.1:4222, got ${JSON.stringify(flag)}`,
      );
    }
    if (res?.spec.jetstreamExotic) return { kind: 'jetstream', options: { ...jetStreamOptionsFromResource(res, { url: flag }), logger } };
    return { kind: 'jetstream', options: { url: flag, name, logger } };
  }
  if (res === undefined) return embedded();
  if (res.spec.jetstreamExotic) return { kind: 'jetstream', options: { ...jetStreamOptionsFromResource(res), logger } };
  const kinds = Object.keys(res.spec).filter((k) => (res.spec as Record<string, unknown>)[k] !== undefined);
  logger.warn(
    { eventBus: name, kinds },
    `EventBus ${name}: Weir does not run ${kinds.join('/') || 'this'} buses; using the embedded bus in the data dir (set jetstreamExotic.url or --bus nats://... for NATS)`,
  );
  return embedded();
}
