// An own OpenSSH server (Debian's openssh-server) for the sftp event source tests: `/usr/sbin/sshd -D` on
// 127.0.0.1:<free port> with a temp host key, a temp client key pair in its authorized_keys, public-key login for the
// user running the tests only, and the internal SFTP subsystem. The system's sshd and its config are never used.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './nats-server.js';
import { startServerProcess, tcpOpen } from './server-process.js';
import type { ServerProcess } from './server-process.js';

const run = promisify(execFile);

export interface Sshd extends ServerProcess {
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** The user that may log in (the one running the tests). */
  readonly username: string;
  /** The client's private key (OpenSSH format), accepted by the server. */
  readonly privateKey: string;
}

export async function startSshd(): Promise<Sshd> {
  const port = await freePort();
  const username = userInfo().username;
  // sshd started as root needs its privilege separation directory (the package's service creates it at boot).
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  let privateKey = '';
  const p = await startServerProcess({
    name: 'sshd',
    command: process.env.WEIR_SSHD ?? '/usr/sbin/sshd',
    debianPackage: 'openssh-server',
    prepare: async (dir) => {
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
      privateKey = await readFile(join(dir, 'client_key'), 'utf8');
      await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_key.pub')));
      await writeFile(
        join(dir, 'sshd_config'),
        [
          `Port ${port}`,
          'ListenAddress 127.0.0.1',
          `HostKey ${join(dir, 'host_key')}`,
          `PidFile ${join(dir, 'sshd.pid')}`,
          `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
          `AllowUsers ${username}`,
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'PermitRootLogin prohibit-password',
          'UsePAM no',
          'StrictModes no',
          'Subsystem sftp internal-sftp',
          '',
        ].join('\n'),
      );
    },
    args: (dir) => ['-D', '-e', '-f', join(dir, 'sshd_config')],
    ready: () => tcpOpen(port),
  });
  return Object.assign(p, { port, address: `127.0.0.1:${port}`, username, privateKey });
}
