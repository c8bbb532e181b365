// A throwaway login user for the sftp password test that exists only inside the test sshd's mount namespace: copies
// of /etc/passwd, /etc/shadow and /etc/group with the system's entries plus one user (a free uid/gid, home a temp
// dir, shell nologin, a random password hashed with `openssl passwd -6`). test/helpers/sshd.ts bind-mounts the
// copies over the real files in a private mount namespace; the machine's own files are only read, never written.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PasswordUser {
  readonly username: string;
  readonly password: string;
  readonly uid: number;
  readonly gid: number;
  /** A temp dir owned by the user; sftp paths the user may read live here. */
  readonly home: string;
}

export interface UserFiles {
  passwd: string;
  shadow: string;
  group: string;
}

/** The first id from 61000 up that no line of either file (passwd, group) uses as its third field. */
function freeId(passwd: string, group: string): number {
  const used = new Set<number>();
  for (const line of `${passwd}\n${group}`.split('\n')) {
    const id = Number(line.split(':')[2]);
    if (Number.isInteger(id)) used.add(id);
  }
  let id = 61000;
  while (used.has(id)) id++;
  return id;
}

/** sha512-crypt of `password` by `openssl passwd -6`, the password on stdin (never on a command line). */
function sha512Crypt(password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', ['passwd', '-6', '-stdin'], (err, stdout, stderr) => {
      if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT')
        return reject(new Error('openssl was not found: the sftp password test hashes its password with it; apt-get install -y openssl'));
      if (err) return reject(new Error(`openssl passwd failed: ${stderr.trim() || err.message}`));
      const hash = stdout.trim();
      if (!hash.startsWith('$6$')) return reject(new Error(`openssl passwd -6 printed no sha512-crypt hash: ${JSON.stringify(hash)}`));
      resolve(hash);
    });
    child.stdin?.end(`${password}\n`);
  });
}

/** Writes the three files into `dir` (mode 0644, shadow 0600) and makes the user's home. */
export async function makePasswordUser(dir: string): Promise<{ user: PasswordUser; files: UserFiles }> {
  const [passwd, shadow, group] = await Promise.all(['/etc/passwd', '/etc/shadow', '/etc/group'].map((f) => readFile(f, 'utf8')));
  const id = freeId(passwd, group);
  const username = `weirpw${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const home = await mkdtemp(join(tmpdir(), 'weir-sftp-home-'));
  await chown(home, id, id);
  const hash = await sha512Crypt(password);
  // Last change = today: 0 would mean "must change the password at next login", which sshd enforces without PAM.
  const today = Math.floor(Date.now() / 86_400_000);
  const add = (text: string, line: string): string => `${text.endsWith('\n') || text === '' ? text : `${text}\n`}${line}\n`;
  const files: UserFiles = { passwd: join(dir, 'passwd'), shadow: join(dir, 'shadow'), group: join(dir, 'group') };
  await writeFile(files.passwd, add(passwd, `${username}:x:${id}:${id}:weir sftp test:${home}:/usr/sbin/nologin`), { mode: 0o644 });
  await writeFile(files.shadow, add(shadow, `${username}:${hash}:${today}:0:99999:7:::`), { mode: 0o600 });
  await writeFile(files.group, add(group, `${username}:x:${id}:`), { mode: 0o644 });
  return { user: { username, password, uid: id, gid: id, home }, files };
}
