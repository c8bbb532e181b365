// What a CLI verb may touch: output streams, environment and working directory, injected so verbs are testable in-process.

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** True when stderr is a terminal (for progress trees and colour). */
  isTTY: boolean;
  /** True when stdout is a terminal (live trees and colour on stdout); absent means no. */
  stdoutTTY?: boolean;
}

export type Verb = (args: readonly string[], io: CliIo) => Promise<number>;

export function processIo(): CliIo {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    isTTY: process.stderr.isTTY === true,
    stdoutTTY: process.stdout.isTTY === true,
  };
}

/** Collects output in memory (tests). */
export function memoryIo(env: Record<string, string | undefined> = {}, cwd = process.cwd()): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(t: string) { io.out += t; },
    stderr(t: string) { io.err += t; },
    env,
    cwd,
    isTTY: false,
  };
  return io;
}
