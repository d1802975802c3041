import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueCommand, statusCommand } from '../src/commands/enqueue.ts';
import { runCommand } from '../src/commands/run.ts';
import { runInProcess } from './in-process.ts';

const COMMANDS = [runCommand, enqueueCommand, statusCommand];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'benchrunner-cli-run-'));
  await writeFile(
    path.join(dir, 'bench.mjs'),
    `import { writeFileSync } from 'node:fs';
const r = { name: 'tiny', warmup: 'off', file_set: 'none', duration: { s: 0, ms: 1.5 }, cpu: 1, memory: 1024, loadAvg: [0, 0, 0] };
writeFileSync(process.env.OUT_FOLDER + '/tiny.json', JSON.stringify([r]));
if (process.env.BENCHRUNNER_COMMIT !== 'v1.2.3') process.exit(9);
`,
  );
  // A harness that prints its results (Benchmark.js's line) instead of writing a file.
  await writeFile(
    path.join(dir, 'ops.mjs'),
    "console.log('parse x 12,345,678 ops/sec ±1.50% (90 runs sampled)');\n",
  );
  await writeFile(
    path.join(dir, 'suite.yaml'),
    [
      'benchmarks:',
      '  - {name: tiny, command: [node, bench.mjs], repeats: 2}',
      '  - {name: ops, command: [node, ops.mjs], results: stdout}',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('benchrunner run', () => {
  it('runs a suite on this machine and archives it', async () => {
    const data = path.join(dir, 'data');
    const result = await runInProcess(['run', '--suite', 'suite.yaml', '--commit', 'v1.2.3'], {
      cwd: dir,
      env: { DATA_DIR: data },
      commands: COMMANDS,
    });
    expect(result.stderr).toContain('--- step benchmarks');
    expect(result.code).toBe(0);
    const id = /^run (\S+): completed/.exec(result.stdout)?.[1];
    expect(id).toBeDefined();
    const manifest = JSON.parse(await readFile(path.join(data, 'runs', id!, 'manifest.json'), 'utf8'));
    expect(manifest.state).toBe('completed');
    expect(manifest.results[0].benchmarks[0].measures.latency.samples).toEqual([1_500_000, 1_500_000]);
    // The headline figures, scaled for people as compare shows them (not `1500000 ns`).
    expect(result.stdout.split('\n').slice(1)).toEqual([
      '  tiny: passed',
      '    file_set=none,warmup=off latency: 1.5 ms',
      '  ops: passed',
      '    parse throughput: 12.35 Mops/s',
      '',
    ]);
  });

  it('names the option of a bad value and runs nothing', async () => {
    const result = await runInProcess(['run', '--suite', 'suite.yaml', '--commit', '$(touch x)'], {
      cwd: dir,
      commands: COMMANDS,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--commit');
  });
});

describe('benchrunner enqueue and status', () => {
  it('needs BENCHRUNNER_KEY and says so', async () => {
    const result = await runInProcess(['enqueue', '--commit', 'main'], { env: {}, commands: COMMANDS });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('BENCHRUNNER_KEY');
  });

  it('says when the API cannot be reached', async () => {
    const result = await runInProcess(['status'], {
      env: { BENCHRUNNER_KEY: 'k'.repeat(20), BENCHRUNNER_URL: 'http://127.0.0.1:9' },
      commands: COMMANDS,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach the API at http://127.0.0.1:9');
  });
});
