// Orchestration overhead: 20 no-op benchmark commands and 20 small result-file fetches through
// SshRunner (process groups, pgid records, tar retrieval) vs a hand-written shell script doing
// the same over one `ssh` ControlMaster connection. Writes docs/BENCHMARKS.md section ssh-overhead.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { markdownTable, recordBenchmark, startSshd } from '@benchrunner/testing';
import { shellQuote } from '../src/quote.ts';
import { SshRunner } from '../src/ssh-runner.ts';

const run = promisify(execFile);
const N = 20;
const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const sshd = await startSshd();
const minion = sshd.minion('bench');
const local = await mkdtemp(path.join(os.tmpdir(), 'ssh-overhead-bench-'));
const out = `${sshd.workDir}/out`;
try {
  const setup = await SshRunner.connect(minion);
  await setup.exec([
    'sh',
    '-c',
    'for i in $(seq 1 "$2"); do mkdir -p "$1/b$i"; echo "[{\\"name\\":\\"b$i\\",\\"duration\\":{\\"ms\\":1}}]" > "$1/b$i/result.json"; done',
    'sh',
    out,
    String(N),
  ]);
  await setup.close();

  // The plain tool: one ControlMaster connection, one `ssh` per command, `cat` per result file.
  const script = path.join(local, 'plain.sh');
  await writeFile(
    script,
    `#!/bin/sh
set -e
o="-i ${sshd.privateKeyFile} -p ${sshd.port} -o UserKnownHostsFile=${sshd.knownHostsFile} -o StrictHostKeyChecking=yes -o BatchMode=yes -o ControlMaster=auto -o ControlPath=${local}/cm-%C -o ControlPersist=60"
dest="$1"
ssh $o ${sshd.user}@${sshd.host} true
for i in $(seq 1 ${N}); do
  ssh $o ${sshd.user}@${sshd.host} cd ${shellQuote(sshd.workDir)} '&&' true
  mkdir -p "$dest/b$i"
  ssh $o ${sshd.user}@${sshd.host} cat ${shellQuote(out)}/b$i/result.json > "$dest/b$i/result.json"
done
ssh $o -O exit ${sshd.user}@${sshd.host} 2>/dev/null
`,
    { mode: 0o755 },
  );

  const ours: number[] = [];
  const plain: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let t = performance.now();
    const runner = await SshRunner.connect(minion);
    for (let i = 1; i <= N; i++) {
      const result = await runner.exec(['true']);
      if (result.exitCode !== 0) throw new Error(result.stderr);
      await runner.getDirectory(`${out}/b${i}`, path.join(local, `ours-${round}`, `b${i}`));
    }
    await runner.close();
    ours.push(performance.now() - t);

    t = performance.now();
    await run(script, [path.join(local, `plain-${round}`)]);
    plain.push(performance.now() - t);
  }
  const ratio = median(ours) / median(plain);
  const body = [
    `${N} no-op commands + ${N} result-file fetches on a loopback sshd, ${ROUNDS} rounds, median; both include connecting.`,
    'SshRunner runs each command in its own process group (setsid, pgid record, cleanup kill) and fetches with tar;',
    'the script runs bare commands with one `ssh` per command over a ControlMaster connection and fetches with `cat`.',
    '',
    markdownTable(
      ['SshRunner', 'ssh ControlMaster script', 'ratio (target <= 1.15)', 'per command+fetch (SshRunner)'],
      [
        [
          `${median(ours).toFixed(0)} ms`,
          `${median(plain).toFixed(0)} ms`,
          ratio.toFixed(2),
          `${(median(ours) / N).toFixed(1)} ms`,
        ],
      ],
    ),
  ].join('\n');
  console.log(body);
  await recordBenchmark('ssh-overhead', 'SSH orchestration overhead vs an ssh ControlMaster script', body);
} finally {
  await sshd.stop();
  await rm(local, { recursive: true, force: true });
}
