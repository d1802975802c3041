// pnpm --filter @benchrunner/results bench: parses a generated 100 MB pytest-benchmark JSON and a
// 100 MB go bench text in child processes and compares with the plain tools on the same files.
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable, recordBenchmark } from '@benchrunner/testing';

const TARGET = 100 * 1024 * 1024;
const here = path.dirname(fileURLToPath(import.meta.url));

async function writeUntil(
  file: string,
  head: string,
  chunk: (i: number) => string,
  tail: string,
): Promise<void> {
  const out = createWriteStream(file);
  let failed: Error | undefined;
  out.on('error', (e) => {
    failed = e;
  });
  let size = 0;
  const write = (s: string) =>
    new Promise<void>((resolve, reject) => {
      if (failed) return reject(failed);
      size += Buffer.byteLength(s);
      if (out.write(s)) resolve();
      else out.once('drain', resolve);
    });
  await write(head);
  for (let i = 0; size < TARGET; i++) await write(chunk(i));
  await write(tail);
  await new Promise<void>((resolve) => out.end(() => resolve()));
  if (failed) throw failed;
}

function pytestBench(i: number): string {
  const data = Array.from({ length: 5000 }, (_, j) =>
    (1e-4 + ((i * 7919 + j * 104729) % 1000) * 1e-8).toPrecision(12),
  );
  const stats = {
    min: 1e-4,
    max: 1.1e-4,
    mean: 1.05e-4,
    stddev: 2e-6,
    rounds: 5000,
    median: 1.05e-4,
    iqr: 1e-6,
    q1: 1.04e-4,
    q3: 1.06e-4,
    iqr_outliers: 0,
    stddev_outliers: 3,
    outliers: '3;0',
    ld15iqr: 1e-4,
    hd15iqr: 1.1e-4,
    ops: 9523.8,
    total: 0.525,
    iterations: 1,
  };
  const b = {
    group: null,
    name: `test_case_${i}`,
    fullname: `tests/test_gen.py::test_case_${i}`,
    params: null,
    param: null,
    extra_info: {},
    options: {
      disable_gc: false,
      timer: 'perf_counter',
      min_rounds: 5,
      max_time: 1,
      min_time: 5e-6,
      warmup: false,
    },
    stats: { ...stats, data: [] as number[] },
  };
  return `${i === 0 ? '' : ',\n'}${JSON.stringify(b).replace('"data":[]', `"data":[${data.join(',')}]`)}`;
}

function goLine(i: number): string {
  const pkg = i % 50000 === 0 ? `pkg: example.com/gen/p${i / 50000}\n` : '';
  const ns = 1000 + ((i * 7919) % 5000);
  return `${pkg}BenchmarkCase${i % 500}/size=${i % 7}-2   \t  200000\t      ${ns} ns/op\t  ${(ns / 10).toFixed(2)} MB/s\t     128 B/op\t       2 allocs/op\n`;
}

interface Run {
  ms: number;
  maxRssKiB: number;
}

function child(mode: string, file: string): Run {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'parse-child.ts'), mode, file],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1) as string) as Run;
}

function timed(cmd: string, args: string[]): Run {
  const start = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} failed: ${r.stderr}`);
  return { ms, maxRssKiB: Number(r.stderr.trim().split('\n').at(-1)) };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'results-bench-'));
try {
  const pyFile = path.join(dir, 'pytest-100mb.json');
  const goFile = path.join(dir, 'go-100mb.txt');
  await writeUntil(
    pyFile,
    '{"machine_info": {"node": "gen", "python_version": "3.11.2"}, "commit_info": {}, "benchmarks": [\n',
    pytestBench,
    '\n], "datetime": "2026-11-22T00:00:00", "version": "5.2.3"}\n',
  );
  await writeUntil(goFile, 'goos: linux\ngoarch: amd64\n', goLine, 'PASS\nok  \texample.com/gen\t100.0s\n');
  const rows: (string | number)[][] = [];
  const mb = (bytes: number) => bytes / 1024 / 1024;
  for (const [label, file, baselines] of [
    [
      'pytest-benchmark JSON',
      pyFile,
      [['JSON.parse (node, same process setup)', () => child('json-parse', pyFile)]],
    ],
    [
      'go test -bench text',
      goFile,
      [
        ['wc -l', () => timed('wc', ['-l', goFile])],
        ['grep -c Benchmark', () => timed('grep', ['-c', 'Benchmark', goFile])],
      ],
    ],
  ] as const) {
    const size = (await stat(file)).size;
    const ours = child('ours', file);
    const rss = (ours.maxRssKiB * 1024) / size;
    rows.push([
      label,
      'benchrunner parseResultFile',
      mb(size).toFixed(1),
      (mb(size) / (ours.ms / 1000)).toFixed(1),
      (ours.maxRssKiB / 1024).toFixed(0),
      `${rss.toFixed(2)}x`,
      '1.00',
    ]);
    for (const [name, run] of baselines) {
      const b = run();
      rows.push([
        label,
        name,
        mb(size).toFixed(1),
        (mb(size) / (b.ms / 1000)).toFixed(1),
        (b.maxRssKiB / 1024).toFixed(0),
        `${((b.maxRssKiB * 1024) / size).toFixed(2)}x`,
        (ours.ms / b.ms).toFixed(2),
      ]);
    }
  }
  const table = markdownTable(
    ['input', 'parser', 'MB', 'MB/s', 'peak RSS MB', 'RSS / file size', 'our time / this time'],
    rows,
  );
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');
  const body = `${table}

Load average during the run: ${load} (on ${os.cpus().length} cores; other work on the machine slows every row).

Targets: >= 50 MB/s and peak RSS < 4x the file size. Each parse runs in a fresh child process
(\`node --import tsx\`, whose own baseline RSS of ~60-80 MB is included); RSS is the child's
\`process.resourceUsage().maxRSS\`, or \`/usr/bin/time -f %M\` for wc and grep. The pytest file
has ${'5000'}-value \`data\` arrays per benchmark; the go file ~1.3 M result lines over 3500
benchmark names (so every name merges hundreds of rows).`;
  console.log(body);
  await recordBenchmark(
    'results-parse',
    'Result parsing: 100 MB pytest-benchmark JSON and go bench text',
    body,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
