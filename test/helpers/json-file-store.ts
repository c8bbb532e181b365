// A tiny ResourceStore kept in one JSON file (written atomically on every change) for crash tests: a controller
// process can be killed with SIGKILL and a new one continues from the same file. Not a conformance-grade store:
// no label/field selectors beyond namespace, no pagination, watches deliver only live changes of this process.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { WeirError } from '../../src/core/errors.js';
import type { KindName } from '../../src/api/kinds.js';
import type {
  ListOptions,
  ListResult,
  NewObject,
  NewObjectOf,
  ObjectOf,
  ResourceStore,
  StoredObject,
  WatchEvent,
  WatchOptions,
} from '../../src/store/types.js';

interface FileState {
  rv: number;
  objects: Record<string, StoredObject>;
}

const keyOf = (kind: string, ns: string | undefined, name: string): string => `${kind}/${ns ?? ''}/${name}`;

export class JsonFileStore implements ResourceStore {
  private state: FileState;
  private readonly listeners = new Set<(kind: string, ev: WatchEvent) => void>();

  constructor(private readonly path: string) {
    this.state = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as FileState) : { rv: 0, objects: {} };
  }

  private persist(): void {
    writeFileSync(`${this.path}.tmp`, JSON.stringify(this.state));
    renameSync(`${this.path}.tmp`, this.path);
  }

  private emit(kind: string, type: WatchEvent['type'], object: StoredObject): void {
    for (const l of this.listeners) l(kind, { type, object: structuredClone(object) });
  }

  create<K extends KindName>(kind: K, obj: NewObjectOf<K>): Promise<ObjectOf<K>> {
    const name = obj.metadata.name ?? `${obj.metadata.generateName ?? ''}${randomUUID().slice(0, 5)}`;
    const ns = obj.metadata.namespace ?? 'default';
    const k = keyOf(kind, ns, name);
    if (this.state.objects[k]) return Promise.reject(new WeirError('ALREADY_EXISTS', `${kind} ${name} exists`));
    const given: NewObject = obj;
    const stored: StoredObject = structuredClone({
      ...given,
      kind,
      metadata: {
        ...obj.metadata,
        name,
        namespace: ns,
        uid: randomUUID(),
        resourceVersion: String(++this.state.rv),
        creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    });
    this.state.objects[k] = stored;
    this.persist();
    this.emit(kind, 'ADDED', stored);
    return Promise.resolve(structuredClone(stored) as ObjectOf<K>);
  }

  get<K extends KindName>(kind: K, namespace: string | undefined, name: string): Promise<ObjectOf<K> | undefined> {
    const o = this.state.objects[keyOf(kind, namespace ?? 'default', name)];
    return Promise.resolve(o ? (structuredClone(o) as ObjectOf<K>) : undefined);
  }

  list<K extends KindName>(kind: K, opts: ListOptions = {}): Promise<ListResult<ObjectOf<K>>> {
    const items = Object.values(this.state.objects).filter(
      (o) => o.kind === kind && (opts.namespace === undefined || o.metadata.namespace === opts.namespace),
    );
    return Promise.resolve({ items: structuredClone(items) as ObjectOf<K>[], resourceVersion: String(this.state.rv) });
  }

  update<K extends KindName>(kind: K, obj: ObjectOf<K>): Promise<ObjectOf<K>> {
    const k = keyOf(kind, obj.metadata.namespace ?? 'default', obj.metadata.name);
    const cur = this.state.objects[k];
    if (!cur) return Promise.reject(new WeirError('NOT_FOUND', `${kind} ${obj.metadata.name} not found`));
    if (cur.metadata.resourceVersion !== obj.metadata.resourceVersion)
      return Promise.reject(new WeirError('CONFLICT', 'stale resourceVersion'));
    const stored = structuredClone({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.state.rv) } });
    this.state.objects[k] = stored;
    this.persist();
    this.emit(kind, 'MODIFIED', stored);
    return Promise.resolve(structuredClone(stored) as ObjectOf<K>);
  }

  delete(kind: KindName, namespace: string | undefined, name: string): Promise<boolean> {
    const k = keyOf(kind, namespace ?? 'default', name);
    const cur = this.state.objects[k];
    if (!cur) return Promise.resolve(false);
    delete this.state.objects[k];
    this.state.rv++;
    this.persist();
    this.emit(kind, 'DELETED', cur);
    return Promise.resolve(true);
  }

  watch<K extends KindName>(kind: K, opts: WatchOptions): AsyncIterable<WatchEvent<ObjectOf<K>>> {
    const queue: WatchEvent<ObjectOf<K>>[] = [];
    let wake: (() => void) | undefined;
    const listener = (k: string, ev: WatchEvent): void => {
      if (k !== kind || (opts.namespace !== undefined && ev.object.metadata.namespace !== opts.namespace)) return;
      queue.push({ type: ev.type, object: ev.object as ObjectOf<K> });
      wake?.();
    };
    this.listeners.add(listener);
    const onAbort = (): void => wake?.();
    opts.signal.addEventListener('abort', onAbort);
    const listeners = this.listeners;
    return (async function* () {
      try {
        while (!opts.signal.aborted) {
          const ev = queue.shift();
          if (ev) {
            yield ev;
            continue;
          }
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      } finally {
        listeners.delete(listener);
        opts.signal.removeEventListener('abort', onAbort);
      }
    })();
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }
}
