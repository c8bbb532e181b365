// `weir template|cluster-template|cron|eventsource|sensor create|list|get|delete` (and `cron suspend|resume`): one
// implementation over the RESOURCE_KINDS table. create reads and lints files locally (file:line errors, exit 2);
// get -o json|yaml prints the object as the REST API returns it.
import type { StoredObject } from '../store/types.js';
import { isWeirError } from '../core/errors.js';
import type { WeirClient } from './client.js';
import { CLIENT_HELP, clientFrom, needArgs, outputFormat, parseFlags, usageError } from './flags.js';
import { age, formatObjects, table } from './format.js';
import type { Verb } from './io.js';
import { readManifests, resourcePath, targetNamespace } from './resources.js';
import type { ResourceKind } from './resources.js';

function help(r: ResourceKind): string {
  const ops = [
    'create FILE|DIR...',
    'list',
    'get NAME...',
    'delete NAME...|--all',
    ...(r.suspendable ? ['suspend NAME...', 'resume NAME...'] : []),
  ];
  return `Usage: weir ${r.verb} <command> [flags]

Manages ${r.noun}s (${r.kind}) on a running Weir server.
${ops.map((o) => `  weir ${r.verb} ${o}`).join('\n')}
Flags:
  -o, --output FORMAT     list: wide|json|yaml|name; get and create: json|yaml|name
      --all               delete: every ${r.noun}${r.clusterScoped ? '' : ' in the namespace'}
      --no-headers        list: omit the header line

${CLIENT_HELP}`;
}

function summary(r: ResourceKind, o: StoredObject, now: number): string {
  const rows: [string, string][] = [['Name:', o.metadata.name]];
  if (!r.clusterScoped) rows.push(['Namespace:', o.metadata.namespace ?? '']);
  rows.push(
    ['Created:', `${o.metadata.creationTimestamp} (${age(o.metadata.creationTimestamp, now)} ago)`],
    ...r.details(o, now).filter(([, v]) => v !== ''),
  );
  const labels = Object.entries(o.metadata.labels ?? {});
  if (labels.length > 0) rows.push(['Labels:', labels.map(([k, v]) => `${k}=${v}`).join(',')]);
  return rows.map(([k, v]) => `${k.padEnd(20)} ${v}`.trimEnd()).join('\n') + '\n';
}

async function listAll(client: WeirClient, r: ResourceKind, ns: string): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  let cont: string | undefined;
  do {
    const page = await client.get<{ items?: StoredObject[] | null; metadata?: { continue?: string } }>(resourcePath(r, ns), {
      'listOptions.limit': 500,
      'listOptions.continue': cont,
    });
    out.push(...(page.items ?? []));
    cont = page.metadata?.continue;
  } while (cont);
  return out;
}

export function resourceVerb(r: ResourceKind): Verb {
  const subs = new Set(['create', 'list', 'get', 'delete', ...(r.suspendable ? ['suspend', 'resume'] : [])]);
  return async (args, io) => {
    const { values, positionals } = parseFlags(args, {
      output: { type: 'string', short: 'o' },
      all: { type: 'boolean' },
      'no-headers': { type: 'boolean' },
    });
    const [sub, ...names] = positionals;
    if (values.help || sub === 'help') {
      io.stdout(help(r));
      return 0;
    }
    if (sub === undefined || !subs.has(sub)) {
      throw usageError(
        `${sub === undefined ? 'missing command' : `unknown command ${JSON.stringify(sub)}`}; use weir ${r.verb} ${[...subs].join('|')}`,
      );
    }
    const client = clientFrom(values, io);
    const ns = client.namespace;
    const now = Date.now();
    switch (sub) {
      case 'list': {
        needArgs(names, `weir ${r.verb} list`, 0);
        const output = outputFormat(values.output, ['wide', 'json', 'yaml', 'name'] as const);
        const items = await listAll(client, r, ns);
        if (output === 'json' || output === 'yaml' || output === 'name') io.stdout(formatObjects(items, output));
        else if (items.length === 0) io.stderr(`No ${r.noun}s found${r.clusterScoped ? '' : ` in namespace ${ns}`}.\n`);
        else
          io.stdout(
            table(
              r.columns,
              items.map((o) => r.row(o, now)),
              values['no-headers'] === true,
            ),
          );
        return 0;
      }
      case 'get': {
        needArgs(names, `weir ${r.verb} get NAME...`, 1, Infinity);
        const output = outputFormat(values.output, ['json', 'yaml', 'name'] as const);
        for (const [i, name] of names.entries()) {
          const o = await client.get<StoredObject>(resourcePath(r, ns, name));
          io.stdout(output ? formatObjects(o, output) : `${i > 0 ? '\n' : ''}${summary(r, o, now)}`);
        }
        return 0;
      }
      case 'create': {
        needArgs(names, `weir ${r.verb} create FILE|DIR...`, 1, Infinity);
        const output = outputFormat(values.output, ['json', 'yaml', 'name'] as const);
        const docs = await readManifests(names, io, (k) =>
          k === r.kind ? undefined : `weir ${r.verb} create takes ${r.kind}s, not ${k} (use "weir apply" for mixed input)`,
        );
        if (!docs) return 2;
        for (const d of docs) {
          const target = r.clusterScoped
            ? ns
            : targetNamespace((d.object.metadata as { namespace?: unknown } | undefined)?.namespace, values.namespace, ns, d.where);
          const o = await client.json<StoredObject>('POST', resourcePath(r, target), {
            body: { ...(r.clusterScoped ? {} : { namespace: target }), [r.bodyKey]: d.object },
          });
          io.stdout(output ? formatObjects(o, output) : summary(r, o, now));
        }
        return 0;
      }
      case 'delete': {
        if (values.all ? names.length > 0 : names.length === 0) throw usageError(`usage: weir ${r.verb} delete NAME...|--all`);
        const targets = values.all ? (await listAll(client, r, ns)).map((o) => o.metadata.name) : names;
        let failed = 0;
        for (const name of targets) {
          try {
            await client.json('DELETE', resourcePath(r, ns, name));
            io.stdout(`${r.kind} '${name}' deleted\n`);
          } catch (e) {
            if (!isWeirError(e) || e.code !== 'NOT_FOUND' || targets.length === 1) throw e;
            io.stderr(`weir: ${e.message}\n`);
            failed++;
          }
        }
        return failed > 0 ? 1 : 0;
      }
      default: {
        // suspend | resume
        needArgs(names, `weir ${r.verb} ${sub} NAME...`, 1, Infinity);
        for (const name of names) {
          await client.json('PUT', `${resourcePath(r, ns, name)}/${sub}`, { body: { namespace: ns, name } });
          io.stdout(`${r.kind} '${name}' ${sub === 'suspend' ? 'suspended' : 'resumed'}\n`);
        }
        return 0;
      }
    }
  };
}
