// Retrieval: SshRunner.getDirectory (tar over the exec channel) vs `scp -r`, same minion, same run;
// and the peak RSS of a process retrieving 1 GiB. Writes docs/BENCHMARKS.md section ssh-transfer.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { markdownTable, recordBenchmark, startSshd } from '@benchrunner/testing';
import { SshRunner } from '../src/ssh-runner.ts';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const sshd = await startSshd();
const minion = sshd.minion('bench');
const runner = await SshRunner.connect(minion);
const local = await mkdtemp(path.join(os.tmpdir(), 'ssh-transfer-bench-'));
try {
  // 50 files, 50 MiB, in nested folders, written on the minion by the minion user.
  const remote = `${runner.workDir}/profile`;
  const made = await runner.exec([
    'sh',
    '-c',
    'mkdir -p "$1" && cd "$1" && for i in $(seq 1 50); do d=d$((i % 5)); mkdir -p $d; head -c 1048576 /dev/urandom > $d/f$i.bin; done',
    'sh',
    remote,
  ]);
  if (made.exitCode !== 0) throw new Error(made.stderr);

  const sshOpts = [
    '-i',
    sshd.privateKeyFile,
    '-o',
    `UserKnownHostsFile=${sshd.knownHostsFile}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
  ];
  const ours: number[] = [];
  const scp: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const a = path.join(local, `ours-${i}`);
    let t = performance.now();
    const stats = await runner.getDirectory(remote, a);
    ours.push(performance.now() - t);
    if (stats.files !== 50) throw new Error(`expected 50 files, got ${stats.files}`);
    const b = path.join(local, `scp-${i}`);
    t = performance.now();
    await run('scp', [
      '-q',
      '-r',
      '-P',
      String(sshd.port),
      ...sshOpts,
      `${sshd.user}@${sshd.host}:${remote}`,
      b,
    ]);
    scp.push(performance.now() - t);
    await rm(a, { recursive: true });
    await rm(b, { recursive: true });
  }
  const ratio = median(ours) / median(scp);

  // 1 GiB of "profiles", retrieved by a separate process whose peak RSS we read.
  const big = `${runner.workDir}/big`;
  const bigMade = await runner.exec([
    'sh',
    '-c',
    'mkdir -p "$1" && cd "$1" && for i in $(seq 1 16); do head -c 67108864 /dev/urandom > p$i.bin; done',
    'sh',
    big,
  ]);
  if (bigMade.exitCode !== 0) throw new Error(bigMade.stderr);
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(here, 'retrieve-child.ts'),
      JSON.stringify(minion),
      big,
      path.join(local, 'big'),
    ],
    { cwd: here, maxBuffer: 1 << 20 },
  );
  const child = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
    bytes: number;
    ms: number;
    maxRssBytes: number;
  };
  await runner.exec(['rm', '-rf', big, remote]);

  const mib = (n: number) => (n / 2 ** 20).toFixed(1);
  const body = [
    `Loopback sshd (OpenSSH, own config), ${RUNS} runs each, median.`,
    '',
    markdownTable(
      ['case', 'SshRunner.getDirectory (tar over exec)', 'scp -r', 'ratio (target <= 0.6)'],
      [
        [
          '50 files, 50 MiB',
          `${median(ours).toFixed(0)} ms`,
          `${median(scp).toFixed(0)} ms`,
          ratio.toFixed(2),
        ],
      ],
    ),
    '',
    markdownTable(
      ['case', 'bytes', 'time', 'peak RSS of the retrieving process (target < 200 MB)'],
      [['16 files, 1 GiB', `${mib(child.bytes)} MiB`, `${child.ms} ms`, `${mib(child.maxRssBytes)} MiB`]],
    ),
  ].join('\n');
  console.log(body);
  await recordBenchmark('ssh-transfer', 'SSH retrieval: tar stream vs scp, and memory', body);
} finally {
  await runner.close();
  await sshd.stop();
  await rm(local, { recursive: true, force: true });
}
