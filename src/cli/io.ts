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

/** Exit status when the reader of stdout went away (128 + SIGPIPE, what `git log | head` ends with). */
export const EXIT_BROKEN_PIPE = 141;

let pipeGuard = false;

/** A closed stdout/stderr (`weir list | head`) ends the CLI quietly, as git does, instead of an EPIPE stack trace. */
function guardBrokenPipes(): void {
  if (pipeGuard) return;
  pipeGuard = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(EXIT_BROKEN_PIPE);
      throw e;
    });
  }
}

export function processIo(): CliIo {
  guardBrokenPipes();
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
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
    env,
    cwd,
    isTTY: false,
  };
  return io;
}
