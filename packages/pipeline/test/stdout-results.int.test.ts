import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseSuite, type RunManifest, type Suite } from '@benchrunner/core';
import { type CommandRunner, LocalRunner, SshRunner } from '@benchrunner/ssh';
import { type SshdFixture, startSshd } from '@benchrunner/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../src/pipeline.ts';

/**
 * A Benchmark.js suite as its docs show it: every cycle printed with `String(event.target)` on
 * stdout, nothing written to a file. A line on stderr and a stdout line that is no result show
 * what the result file keeps and leaves out. Short cycles keep the test quick.
 */
const BENCH_JS = `
const Benchmark = require('benchmark');
const options = { maxTime: 0.05, minSamples: 5 };
console.error('starting on stderr');
new Benchmark.Suite()
  .add('RegExp#test', () => /o/.test('Hello World!'), options)
  .add('String#indexOf', () => 'Hello World!'.indexOf('o') > -1, options)
  .on('cycle', (event) => console.log(String(event.target)))
  .on('complete', function () { console.log('Fastest is ' + this.filter('fastest').map('name')); })
  .run();
`;

/**
 * Benchmark.js and its dependencies, copied into the suite's own node_modules: the SSH minion is
 * another user of this machine, who may not be able to read this checkout (a clone made in a
 * `mktemp -d` folder is 0700).
 */
async function copyBenchmarkJs(suiteDir: string): Promise<void> {
  const own = createRequire(import.meta.url).resolve('benchmark/package.json');
  const fromBenchmark = createRequire(own);
  for (const [name, pkg] of [
    ['benchmark', own],
    ['lodash', fromBenchmark.resolve('lodash/package.json')],
    ['platform', fromBenchmark.resolve('platform/package.json')],
  ] as const) {
    await cp(path.dirname(pkg), path.join(suiteDir, 'node_modules', name), {
      recursive: true,
      dereference: true,
    });
  }
}

// No `format`: both are detected. hyperfine writes a file, so a fixed shell script hands it
// $OUT_FOLDER (hyperfine cannot export to /dev/stdout under the LocalRunner: Node's stdio pipes
// are sockets, and opening /dev/stdout on a socket fails with ENXIO); `-n` names the benchmark
// instead of its command string.
const SUITE = `project: stdout-results
benchmarks:
  - name: bench-js
    command: [node, bench.cjs]
    results: stdout
    repeats: 2
    warmup: 1
  - name: nap
    command: [sh, -c, 'exec hyperfine -n nap --runs 3 --export-json "$OUT_FOLDER/nap.json" "sleep 0.01"']
    results: nap.json
`;

let root: string;
let suite: Suite;
let sshd: SshdFixture | undefined;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-stdout-results-'));
  // The SSH minion's user runs the suite in place (no provisioning: this test is about its output).
  await chmod(root, 0o755);
  const suiteDir = path.join(root, 'suite');
  await mkdir(suiteDir, { recursive: true });
  await writeFile(path.join(suiteDir, 'bench.cjs'), BENCH_JS);
  await copyBenchmarkJs(suiteDir);
  await writeFile(path.join(suiteDir, 'suite.yaml'), SUITE);
  suite = parseSuite(SUITE, path.join(suiteDir, 'suite.yaml'));
});

afterAll(async () => {
  await sshd?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function runWith(
  runner: CommandRunner,
): Promise<{ stored: RunManifest; lines: string[]; dir: string }> {
  counter++;
  const id = `stdout${process.pid}x${counter}`;
  const lines: string[] = [];
  const archiveRoot = path.join(root, 'runs');
  try {
    await runPipeline(
      { runner, suite, archiveRoot, logger: pino({ level: 'silent' }) },
      {
        id,
        attempt: 1,
        request: {
          commit: 'abcdef1',
          benchmarks: [],
          profile: false,
          minion: runner.minion,
          priority: 'manual',
          trigger: { kind: 'api', detail: {} },
        },
        signal: new AbortController().signal,
        log: (line) => lines.push(line),
        progress: () => undefined,
      },
    );
  } finally {
    await runner.close();
  }
  const dir = path.join(archiveRoot, id);
  const stored = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as RunManifest;
  return { stored, lines, dir };
}

const RESULT_LINE = /^(RegExp#test|String#indexOf) x [\d,.]+ ops\/sec ±[\d.]+% \(\d+ runs sampled\)$/;

async function expectStdoutResults(runner: CommandRunner): Promise<void> {
  const { stored, lines, dir } = await runWith(runner);
  expect(stored.benchmarks.map((b) => [b.name, b.status, b.error])).toEqual([
    ['bench-js', 'passed', undefined],
    ['nap', 'passed', undefined],
  ]);
  expect(stored.state).toBe('completed');

  const benchJs = stored.results.find((r) => r.benchmark === 'bench-js');
  expect(benchJs?.format).toBe('benchmarkjs');
  expect(benchJs?.benchmarks.map((b) => b.name)).toEqual(['RegExp#test', 'String#indexOf']);
  for (const b of benchJs?.benchmarks ?? []) {
    expect(b.measures.throughput?.unit).toBe('ops/s');
    // Two repeats; the warmup's output is kept in its folder but not merged.
    expect(b.measures.throughput?.samples).toHaveLength(2);
  }
  const nap = stored.results.find((r) => r.benchmark === 'nap');
  expect(nap?.format).toBe('hyperfine');
  expect(nap?.benchmarks.map((b) => b.name)).toEqual(['nap']);
  expect(nap?.benchmarks[0]?.measures.latency?.samples).toHaveLength(3);

  // The output is the raw result file of each repeat, and still shows in the run's log.
  const raw = path.join(dir, 'raw', 'bench-js');
  expect((await readdir(raw)).sort()).toEqual(['1', '2', 'warmup-1']);
  for (const folder of ['1', '2', 'warmup-1']) {
    const kept = (await readFile(path.join(raw, folder, 'stdout'), 'utf8')).trimEnd().split('\n');
    expect(kept).toHaveLength(3);
    expect(kept.slice(0, 2).every((line) => RESULT_LINE.test(line))).toBe(true);
    expect(kept[2]).toMatch(/^Fastest is /);
    for (const line of kept) expect(lines).toContain(`[bench-js] ${line}`);
  }
  expect(lines).toContain('[bench-js:err] starting on stderr');
  const log = await readFile(path.join(dir, 'stdout.log'), 'utf8');
  expect(log.split('\n').filter((l) => /^\[bench-js\] (RegExp#test|String#indexOf) x /.test(l))).toHaveLength(
    6,
  );
  expect(
    JSON.parse(await readFile(path.join(dir, 'raw', 'nap', '1', 'nap.json'), 'utf8')).results,
  ).toHaveLength(1);
}

describe('results: stdout', () => {
  it('the LocalRunner keeps a Benchmark.js stdout as its result file; hyperfine is detected', async () => {
    await expectStdoutResults(new LocalRunner({ minion: 'local', workDir: path.join(root, 'local-minion') }));
  });

  it('the SshRunner does the same over a real sshd', async () => {
    sshd = await startSshd();
    const runner = await SshRunner.connect(sshd.minion('ssh-minion'), { logger: pino({ level: 'silent' }) });
    await expectStdoutResults(runner);
  });
});
