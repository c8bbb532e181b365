// Starts librdkafka's mock Kafka cluster through `kcat -X test.mock.num.brokers=1` for integration tests. kcat runs
// as a consumer of a dummy topic so the process (and the mock cluster inside it) stays up; the bootstrap address is
// read from the "Mock cluster enabled ... replaced with HOST:PORT" line it logs. Facts about the mock: topics
// auto-create with 4 partitions, admin createTopics fails, a consumer group join takes ~3 s, each partition keeps
// only ~5 MB. A missing kcat binary is a loud error, never a skip.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface KafkaMock {
  /** Bootstrap broker list, e.g. ["127.0.0.1:41234"]. */
  readonly brokers: string[];
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const BINARY = process.env.WEIR_KCAT ?? 'kcat';
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export async function startKafkaMock(opts: { startTimeoutMs?: number } = {}): Promise<KafkaMock> {
  const child = spawn(BINARY, ['-b', '127.0.0.1:1', '-X', 'test.mock.num.brokers=1', '-C', '-t', '__weir_mock_keepalive', '-q'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      resolve();
    }),
  );
  let output = '';
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kcat did not report a mock cluster address within ${opts.startTimeoutMs ?? 10_000} ms:\n${output}`));
    }, opts.startTimeoutMs ?? 10_000);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      live.delete(child);
      reject(
        e.code === 'ENOENT'
          ? new Error(
              `${BINARY} was not found on PATH. The Kafka integration tests need kcat (Debian package "kcat": apt-get install -y kcat) or WEIR_KCAT set to the binary.`,
            )
          : e,
      );
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kcat exited with code ${code} before the mock cluster was up:\n${output}`));
    });
    child.stderr?.on('data', (b: Buffer) => {
      output = (output + b.toString()).slice(-8000);
      const m = /replaced with (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/[,;]+$/, ''));
      }
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  return { brokers: address.split(','), stop, [Symbol.asyncDispose]: stop };
}
