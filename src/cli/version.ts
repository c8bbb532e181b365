// `weir version [--client] [-o json]`: the CLI's version, then the version of the server it would talk to
// (GET /api/v1/version). Without a reachable server the client part is still printed and the exit status is 1.
import { CLIENT_HELP, clientFrom, outputFormat, parseFlags } from './flags.js';
import type { Verb } from './io.js';
import { packageVersion } from '../core/package-version.js';

const HELP = `Usage: weir version [--client] [-o json]

Prints the version of this CLI and of the Weir server (exit 1 when the server cannot be asked).
      --client            only the CLI's version (no server needed)
  -o, --output json       both as JSON

${CLIENT_HELP}`;

interface ServerVersion {
  version?: string;
  compiler?: string;
  platform?: string;
  executor?: string;
}

export const verb: Verb = async (args, io) => {
  const { values } = parseFlags(args, { client: { type: 'boolean' }, output: { type: 'string', short: 'o' } });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const output = outputFormat(values.output, ['json'] as const);
  const client = { version: `v${packageVersion()}`, compiler: `node ${process.version}`, platform: `${process.platform}/${process.arch}` };
  if (values.client) {
    io.stdout(output === 'json' ? `${JSON.stringify({ client }, null, 2)}\n` : `weir ${packageVersion()}\n`);
    return 0;
  }
  const api = clientFrom(values, io);
  if (output !== 'json') io.stdout(`weir ${packageVersion()}\n`);
  const server = await api.get<ServerVersion>('/api/v1/version');
  if (output === 'json') io.stdout(`${JSON.stringify({ client, server }, null, 2)}\n`);
  else
    io.stdout(
      `server ${server.version ?? 'unknown'} at ${api.server}${server.compiler ? ` (${server.compiler}, ${server.platform ?? ''})` : ''}\n`,
    );
  if (output !== 'json' && server.executor !== undefined) io.stdout(`executor ${server.executor}\n`);
  return 0;
};
