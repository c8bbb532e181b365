// An own OpenSSH server (Debian's openssh-server) for the sftp event source tests: `/usr/sbin/sshd -D` on
// 127.0.0.1:<free port> with a temp host key, a temp client key pair in its authorized_keys, public-key login for the
// user running the tests, and the internal SFTP subsystem. The system's sshd and its config are never used.
// `startSshd({ password: true })` (root only) also lets a throwaway user log in with a password: sshd runs in a private
// mount namespace (`unshare --mount --propagation private`) where copies of /etc/passwd, /etc/shadow and /etc/group
// holding that user (test/helpers/sshd-user.ts) are bind-mounted over the real ones, which stay untouched.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './nats-server.js';
import { startServerProcess, tcpOpen } from './server-process.js';
import type { ServerProcess } from './server-process.js';
import { makePasswordUser } from './sshd-user.js';
import type { PasswordUser, UserFiles } from './sshd-user.js';

export type { PasswordUser } from './sshd-user.js';

const run = promisify(execFile);

export interface Sshd extends ServerProcess {
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** The user that may log in with the key (the one running the tests). */
  readonly username: string;
  /** The client's private key (OpenSSH format), accepted by the server. */
  readonly privateKey: string;
  /** With `password: true`: the user that may log in with a password (sftp only). */
  readonly passwordUser: PasswordUser | undefined;
}

export interface SshdOptions {
  /** Also password login for a throwaway user that exists only in sshd's mount namespace. Needs root. */
  password?: boolean;
}

/** Runs sshd with the user files bind-mounted over /etc's, in a mount namespace of its own (no fork: same pid). */
const inNamespace = (files: UserFiles, sshdArgs: string[]): string[] => [
  '--mount',
  '--propagation',
  'private',
  '--',
  '/bin/sh',
  '-c',
  'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/shadow && mount --bind "$3" /etc/group && shift 3 && exec "$@"',
  'sh',
  files.passwd,
  files.shadow,
  files.group,
  ...sshdArgs,
];

/** Throws, saying why, unless the tests run as root (password login needs it); never a skip. */
export function requireRootForPasswordLogin(): void {
  if (process.getuid?.() !== 0)
    throw new Error(
      `startSshd({ password: true }) needs root (uid ${process.getuid?.()}): it mounts a test user's passwd/shadow/group over /etc's in a private mount namespace, and sshd checks passwords as root`,
    );
}

export async function startSshd(o: SshdOptions = {}): Promise<Sshd> {
  const root = process.getuid?.() === 0;
  if (o.password === true) requireRootForPasswordLogin();
  const port = await freePort();
  const username = userInfo().username;
  // sshd started as root needs its privilege separation directory (the package's service creates it at boot).
  if (root) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const sshd = process.env.WEIR_SSHD ?? '/usr/sbin/sshd';
  let privateKey = '';
  let made: { user: PasswordUser; files: UserFiles } | undefined;
  try {
    const p = await startServerProcess({
      name: 'sshd',
      command: o.password === true ? 'unshare' : sshd,
      debianPackage: o.password === true ? 'util-linux' : 'openssh-server',
      prepare: async (dir) => {
        await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
        await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
        privateKey = await readFile(join(dir, 'client_key'), 'utf8');
        await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_key.pub')));
        if (o.password === true) made = await makePasswordUser(dir);
        const pw = made?.user.username;
        const config = [
          `Port ${port}`,
          'ListenAddress 127.0.0.1',
          `HostKey ${join(dir, 'host_key')}`,
          `PidFile ${join(dir, 'sshd.pid')}`,
          `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
          `AllowUsers ${username}${pw !== undefined ? ` ${pw}` : ''}`,
          'PubkeyAuthentication yes',
          // Without PAM, sshd checks the password against the shadow file (the namespace's copy).
          `PasswordAuthentication ${pw !== undefined ? 'yes' : 'no'}`,
          'KbdInteractiveAuthentication no',
          'PermitRootLogin prohibit-password',
          'UsePAM no',
          'StrictModes no',
          'Subsystem sftp internal-sftp',
          // The password user gets SFTP and nothing else (its shell is nologin as well).
          ...(pw !== undefined ? [`Match User ${pw}`, '  ForceCommand internal-sftp', '  DisableForwarding yes'] : []),
          '',
        ];
        await writeFile(join(dir, 'sshd_config'), config.join('\n'));
      },
      args: (dir) => {
        const sshdArgs = ['-D', '-e', '-f', join(dir, 'sshd_config')];
        return made !== undefined ? inNamespace(made.files, [sshd, ...sshdArgs]) : sshdArgs;
      },
      ready: () => tcpOpen(port),
    });
    const home = made?.user.home;
    const close = async (): Promise<void> => {
      await p.close();
      if (home !== undefined) await rm(home, { recursive: true, force: true });
    };
    return {
      ...p,
      port,
      address: `127.0.0.1:${port}`,
      username,
      privateKey,
      passwordUser: made?.user,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (e) {
    if (made !== undefined) await rm(made.user.home, { recursive: true, force: true });
    throw e;
  }
}
