// Conformance suite for StepExecutor implementations (host process, Kubernetes pod, ...). Each implementation's
// test file calls runExecutorConformance(name, factory, features); isolation/mount cases run when supported.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanupScratch, collect, eventually, scratch, sh, spec, waitForOutput } from './conformance-kit.js';
import type { ConformanceEnv, ConformanceFactory, ConformanceFeatures } from './conformance-kit.js';
import type { StepHandle } from '../../src/executor/types.js';

/** How many of the independent cases run at once (each starts 1 to 50 steps). */
const CONCURRENCY = 4;

export function runExecutorConformance(name: string, factory: ConformanceFactory, features: ConformanceFeatures): void {
  describe(`StepExecutor conformance: ${name}`, () => {
    let env: ConformanceEnv;
    before(async () => {
      env = await factory();
    });
    after(async () => {
      await env.dispose();
      await cleanupScratch();
    });

    // Cases whose assertions bound elapsed time (kill grace periods, log timestamps, a step still running when
    // adopted, a step exiting within 10 s) run one at a time, before the rest; the others run CONCURRENCY at a time:
    // each mostly waits on its steps, and none depends on another's (unique node ids, scratch paths, host dirs).
    describe('timed cases, one at a time', () => {
      test('kill: SIGTERM ends a normal process long before the grace period', async () => {
        const h = await env.executor.start(sh('echo ready; exec sleep 120'));
        await waitForOutput(env.executor, h, 'ready');
        const t0 = Date.now();
        // The bounds tell "ended on SIGTERM" from "waited out the grace period", with room for a loaded machine.
        await env.executor.kill(h, 60_000);
        assert.ok(Date.now() - t0 < 20_000, 'kill waited for the grace period');
        const r = await env.executor.wait(h);
        assert.equal(r.exitCode, 143);
        assert.equal(r.signal, 'SIGTERM');
      });

      test('kill: a process trapping SIGTERM gets SIGKILL after the grace period', async () => {
        const h = await env.executor.start(sh('trap "echo got-term" TERM; echo ready; while :; do sleep 0.05; done'));
        await waitForOutput(env.executor, h, 'ready');
        const t0 = Date.now();
        await env.executor.kill(h, 400);
        const took = Date.now() - t0;
        // At least the grace period; the upper bound only tells "SIGKILL after it" from "never" on a loaded machine
        // (5 s was exceeded once with three test files at a time: 5,104 ms on the pod executor).
        assert.ok(took >= 380 && took < 20_000, `kill took ${took} ms`);
        const r = await env.executor.wait(h);
        assert.equal(r.exitCode, 137);
        assert.equal(r.signal, 'SIGKILL');
        assert.match(r.stdoutTail, /got-term/);
        assert.equal(await env.executor.adopt(h), 'exited');
      });

      test('logs carry per-line timestamps; since filters', async () => {
        const h = await env.executor.start(sh('echo first; sleep 0.4; echo second >&2; sleep 0.4; echo third'));
        const r = await env.executor.wait(h);
        const lines = await collect(env.executor.logs(h));
        assert.deepEqual(
          lines.map((l) => `${l.stream}:${l.line}`),
          ['stdout:first', 'stderr:second', 'stdout:third'],
        );
        const [a, b, c] = lines.map((l) => l.time.getTime());
        assert.ok(b - a >= 300 && c - b >= 300, `timestamps too close: ${a} ${b} ${c}`);
        assert.ok(a >= r.startedAt.getTime() - 50 && c <= r.finishedAt.getTime() + 50, 'timestamps outside the run');
        const later = await collect(env.executor.logs(h, { since: new Date(b) }));
        assert.deepEqual(
          later.map((l) => l.line),
          ['second', 'third'],
        );
      });

      test('wait can be cancelled without stopping the step', async () => {
        const h = await env.executor.start(sh('sleep 0.5; echo done'));
        await assert.rejects(env.executor.wait(h, AbortSignal.timeout(50)), { code: 'CANCELLED' });
        const r = await env.executor.wait(h);
        assert.equal(r.stdoutTail, 'done\n');
      });

      test('adopt after a restart: running, then exited; handles are plain JSON', async () => {
        const started = await env.executor.start(sh('echo started; sleep 0.6; echo finished; exit 4'));
        const running = JSON.parse(JSON.stringify(started)) as StepHandle;
        const fresh = env.reopen();
        assert.equal(await fresh.adopt(running), 'running');
        const r = await fresh.wait(running);
        assert.equal(r.exitCode, 4);
        assert.equal(r.stdoutTail, 'started\nfinished\n');
        const again = env.reopen();
        assert.equal(await again.adopt(running), 'exited');
        assert.equal((await again.wait(running)).exitCode, 4);
        const lines = await collect(again.logs(running));
        assert.deepEqual(
          lines.map((l) => l.line),
          ['started', 'finished'],
        );
        assert.ok(lines[1].time.getTime() - lines[0].time.getTime() >= 400, 'timestamps lost across restart');
      });

      test('logs of a finished step are complete even if nothing watched it', async () => {
        const h = await env.executor.start(sh('echo a; echo b >&2; printf c'));
        await eventually(async () => (await env.reopen().adopt(h)) === 'exited', { timeoutMs: 10_000, what: 'step to exit' });
        const lines = await collect(env.reopen().logs(h));
        assert.deepEqual(lines.map((l) => l.line).sort(), ['a', 'b', 'c']);
      });
    });

    describe('independent cases, concurrently', { concurrency: CONCURRENCY }, () => {
      test('exit codes and timestamps', async () => {
        const ex = env.executor;
        const codes = [0, 1, 3, 255];
        const results = await Promise.all(codes.map(async (code) => ex.wait(await ex.start(sh(`exit ${code}`)))));
        for (const [i, r] of results.entries()) {
          assert.equal(r.exitCode, codes[i]);
          assert.ok(r.finishedAt.getTime() >= r.startedAt.getTime() - 5, 'finishedAt not before startedAt');
        }
      });

      test('a missing command exits 127 with a message', async () => {
        const r = await env.executor.wait(await env.executor.start(spec(['weir-no-such-command-xyz'])));
        assert.equal(r.exitCode, 127);
        assert.match(r.message ?? '', /weir-no-such-command-xyz/);
      });

      test('stdout and stderr are separate; stdoutTail is the raw stdout', async () => {
        const h = await env.executor.start(sh('echo out1; echo err1 >&2; printf "out2\\n\\n"'));
        const r = await env.executor.wait(h);
        assert.equal(r.exitCode, 0);
        assert.equal(r.stdoutTail, 'out1\nout2\n\n');
        const lines = await collect(env.executor.logs(h));
        assert.deepEqual(
          lines.filter((l) => l.stream === 'stderr').map((l) => l.line),
          ['err1'],
        );
        assert.deepEqual(
          lines.filter((l) => l.stream === 'stdout').map((l) => l.line),
          ['out1', 'out2', ''],
        );
      });

      test('stdoutTail keeps the last 256 KiB', async () => {
        // 300 KiB of 'a' lines, then a final marker line.
        const h = await env.executor.start(sh('i=0; while [ $i -lt 3072 ]; do printf "%099d\\n" 0; i=$((i+1)); done; echo END'));
        const r = await env.executor.wait(h);
        assert.equal(r.exitCode, 0);
        assert.equal(Buffer.byteLength(r.stdoutTail), 256 * 1024);
        assert.ok(r.stdoutTail.endsWith('0\nEND\n'));
      });

      const weird = [
        '$(echo pwned)',
        '`echo pwned`',
        '{{inputs.parameters.x}}',
        `a'b"c`,
        'line1\nline2',
        ' sp ',
        '',
        '*',
        '~',
        '$HOME',
        '\\',
      ];

      test('argv reaches the process byte-for-byte (no shell parsing)', async () => {
        const h = await env.executor.start(spec(['printf', '[%s]', ...weird]));
        const r = await env.executor.wait(h);
        assert.equal(r.exitCode, 0);
        assert.equal(r.stdoutTail, weird.map((w) => `[${w}]`).join(''));
      });

      test('env values reach the process byte-for-byte', async () => {
        const vars = Object.fromEntries(weird.map((w, i) => [`WEIR_V${i}`, w]));
        const script = weird.map((_, i) => `printf '[%s]' "$WEIR_V${i}"`).join('; ');
        const r = await env.executor.wait(await env.executor.start(sh(script, { env: vars })));
        assert.equal(r.exitCode, 0);
        assert.equal(r.stdoutTail, weird.map((w) => `[${w}]`).join(''));
      });

      test('workingDir is the cwd, created when missing', async () => {
        const dir = `${scratch()}/work dir`;
        const r = await env.executor.wait(
          await env.executor.start(sh('pwd; touch rel.txt', { workingDir: dir, outputPaths: [`${dir}/rel.txt`] })),
        );
        assert.equal(r.exitCode, 0);
        assert.equal(r.stdoutTail, `${dir}\n`);
        assert.deepEqual(await r.readOutput(`${dir}/rel.txt`), Buffer.alloc(0));
      });

      test('script: source is written to a file whose path is appended; python falls back to python3', async () => {
        const source = 'import sys\nprint(6 * 7)\nprint(sys.argv[1:] == [])\n';
        const r = await env.executor.wait(await env.executor.start(spec(['python'], { script: { source } })));
        assert.equal(r.exitCode, 0, r.message);
        assert.equal(r.stdoutTail, '42\nTrue\n');
        const s = await env.executor.wait(
          await env.executor.start(spec(['sh', '-e'], { script: { source: 'echo "args:$#"\necho "{{lit}} $((1+2))"\n' } })),
        );
        assert.equal(s.stdoutTail, 'args:0\n{{lit}} 3\n');
      });

      test('output files and directories are read back after exit', async () => {
        const base = scratch();
        const r = await env.executor.wait(
          await env.executor.start(
            sh(`mkdir -p ${base}/art/sub && printf hello > ${base}/out.txt && echo a > ${base}/art/a && echo b > ${base}/art/sub/b`, {
              outputPaths: [`${base}/out.txt`, `${base}/art`],
            }),
          ),
        );
        assert.equal(r.exitCode, 0);
        assert.equal(String(await r.readOutput(`${base}/out.txt`)), 'hello');
        assert.equal(await r.readOutput(`${base}/missing.txt`), undefined);
        assert.equal(await r.readOutput(`${base}/art`), undefined, 'a directory is not a file output');
        const dest = join(await env.hostDir(), 'art');
        assert.equal(await r.copyOutput(`${base}/art`, dest), 'dir');
        assert.equal(await readFile(join(dest, 'sub', 'b'), 'utf8'), 'b\n');
        assert.equal(await r.copyOutput(`${base}/nothing`, join(dest, 'x')), undefined);
      });

      test('input files are placed before start, with their mode', async () => {
        const dir = await env.hostDir();
        await writeFile(join(dir, 'in.txt'), 'input data');
        const target = `${scratch()}/inputs/in.txt`;
        const r = await env.executor.wait(
          await env.executor.start(
            sh(`cat ${target}; echo; stat -c %a ${target}`, {
              inputFiles: [{ containerPath: target, hostPath: join(dir, 'in.txt'), mode: 0o640 }],
            }),
          ),
        );
        assert.equal(r.stdoutTail, 'input data\n640\n');
      });

      test('logs follow a running step until it ends', async () => {
        const h = await env.executor.start(sh('echo one; sleep 0.5; printf two'));
        // Every line, through to the end (the follow ends with the step); that a line arrives while the step still
        // runs is shown below without racing a sleep.
        const seen: string[] = [];
        for await (const l of env.executor.logs(h, { follow: true })) seen.push(l.line);
        await env.executor.wait(h);
        assert.deepEqual(seen, ['one', 'two']);
        const ac = new AbortController();
        const running = await env.executor.start(sh('echo x; exec sleep 30'));
        const got: string[] = [];
        // The follow must deliver the line while the step still runs; aborting it then ends the iteration. (A
        // follow that never delivers fails at the safety abort, which only bounds a broken run.)
        const safety = setTimeout(() => ac.abort(), 120_000);
        for await (const l of env.executor.logs(running, { follow: true, signal: ac.signal })) {
          got.push(l.line);
          ac.abort();
        }
        clearTimeout(safety);
        assert.deepEqual(got, ['x']);
        assert.equal(await env.executor.adopt(running), 'running', 'the step was still running when its line arrived');
        await env.executor.kill(running, 0);
      });

      test('start is idempotent per workflow uid + node id', async () => {
        const base = scratch();
        const s = sh(`echo run >> ${base}.count; sleep 0.2`, { outputPaths: [`${base}.count`] });
        const h1 = await env.executor.start(s);
        const h2 = await env.executor.start(s);
        assert.deepEqual(h2, h1);
        const r = await env.executor.wait(h1);
        assert.equal(String(await r.readOutput(`${base}.count`)), 'run\n');
      });

      test('concurrent starts of one step run it once and give one handle', async () => {
        const base = scratch();
        const s = sh(`echo run >> ${base}.count; sleep 0.2`, { outputPaths: [`${base}.count`] });
        const handles = await Promise.all(Array.from({ length: 16 }, () => env.executor.start(s)));
        for (const h of handles.slice(1)) assert.deepEqual(h, handles[0]);
        const r = await env.executor.wait(handles[0]);
        assert.equal(String(await r.readOutput(`${base}.count`)), 'run\n');
      });

      test('cleanup removes the step; adopt then reports lost', async () => {
        const h = await env.executor.start(sh('exec sleep 30'));
        await env.executor.cleanup(h);
        assert.equal(await env.executor.adopt(h), 'lost');
        assert.equal(await env.reopen().adopt(h), 'lost');
      });

      test('50 parallel steps all complete', async () => {
        const handles = await Promise.all(Array.from({ length: 50 }, (_, i) => env.executor.start(sh(`exit ${i % 7}`))));
        const results = await Promise.all(handles.map((h) => env.executor.wait(h)));
        // Each result with its message, so a failure says why a step has no code.
        assert.deepEqual(
          results.map((r) => (r.message === undefined ? r.exitCode : `${r.exitCode}: ${r.message}`)),
          handles.map((_, i) => i % 7),
        );
      });

      if (features.isolation) {
        test('isolation: parallel steps writing the same paths do not see each other', async () => {
          const mk = (v: string) =>
            sh(
              `echo ${v} > /tmp/out.txt; mkdir -p /mnt/out; echo ${v} > /mnt/out/x.txt; sleep 0.3; cat /tmp/out.txt /mnt/out/x.txt; ls /tmp`,
              {
                outputPaths: ['/tmp/out.txt', '/mnt/out/x.txt'],
              },
            );
          const [a, b] = await Promise.all([env.executor.start(mk('A')), env.executor.start(mk('B'))]);
          const [ra, rb] = await Promise.all([env.executor.wait(a), env.executor.wait(b)]);
          assert.equal(ra.stdoutTail, 'A\nA\nout.txt\n');
          assert.equal(rb.stdoutTail, 'B\nB\nout.txt\n');
          assert.equal(String(await ra.readOutput('/mnt/out/x.txt')), 'A\n');
          assert.equal(String(await rb.readOutput('/tmp/out.txt')), 'B\n');
        });

        test('isolation: a symlink output cannot make the executor read host files', async () => {
          const secret = join(await env.hostDir(), 'secret.txt');
          await writeFile(secret, 'host secret');
          const r = await env.executor.wait(await env.executor.start(sh(`ln -s ${secret} /tmp/leak`, { outputPaths: ['/tmp/leak'] })));
          assert.equal(r.exitCode, 0);
          // The link points at a path that does not exist in the step's view: there is no output.
          assert.equal(await r.readOutput('/tmp/leak'), undefined);
          assert.equal(await r.copyOutput('/tmp/leak', join(await env.hostDir(), 'copy')), undefined);
        });
      }

      if (features.mounts) {
        test('mounts: a volume is shared between steps of one workflow; readOnly is enforced', async () => {
          const vol = await env.hostDir();
          const uid = `uid-${Date.now()}`;
          const wf = { namespace: 'conformance', name: 'wf', uid };
          const w = await env.executor.wait(
            await env.executor.start(
              sh('echo shared > /mnt/vol/data', { workflow: wf, mounts: [{ containerPath: '/mnt/vol', hostPath: vol }] }),
            ),
          );
          assert.equal(w.exitCode, 0);
          const r = await env.executor.wait(
            await env.executor.start(
              sh('cat /mnt/vol/data; echo x > /mnt/vol/other', {
                workflow: wf,
                mounts: [{ containerPath: '/mnt/vol', hostPath: vol, readOnly: true }],
              }),
            ),
          );
          assert.equal(r.stdoutTail, 'shared\n');
          assert.notEqual(r.exitCode, 0, 'wrote to a read-only mount');
          assert.deepEqual(await readdir(vol), ['data']);
        });
      }
    });
  });
}
