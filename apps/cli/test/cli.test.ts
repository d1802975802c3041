import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunManifest } from '@benchrunner/core';
import type { ComparisonRow } from '@benchrunner/results';
import { parseResultFile } from '@benchrunner/results';
import { describe, expect, it } from 'vitest';
import { FIXTURES, REPO_ROOT, RESULT_FIXTURES, runCli, spawnCapture, useScratchDir } from './run-cli.ts';

// End to end: the CLI as its own process (tsx src/main.ts in apps/cli, as `pnpm benchrunner`
// runs it). Every other behaviour is tested in process in commands.test.ts.

const SEED_DIR = path.join(RESULT_FIXTURES, 'seed');

const scratch = useScratchDir();

describe.concurrent('benchrunner as a process', () => {
  it('parse: prints the model of a file named relative to the caller (INIT_CWD)', async () => {
    const run = await runCli(['parse', 'remote-array.json'], { cwd: SEED_DIR });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(await parseResultFile(path.join(SEED_DIR, 'remote-array.json')));
  });

  it('parse: a truncated file exits 1 with one line naming file, format and position', async () => {
    const text = await readFile(path.join(SEED_DIR, 'remote-array.json'), 'utf8');
    await writeFile(path.join(scratch.path, 'cut.json'), text.slice(0, Math.floor(text.length / 2)));
    const run = await runCli(['parse', 'cut.json'], { cwd: scratch.path });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^benchrunner parse: cut\.json:\d+:\d+: seed format: truncated JSON \(unexpected end of input\)\n$/,
    );
  });

  it('usage errors exit 2 naming the flag', async () => {
    const run = await runCli(['compare', 'a', 'b', '--colour']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "benchrunner compare: unknown option '--colour' (see 'benchrunner compare --help')\n",
    );
  });

  it('compare: two result files as a table', async () => {
    const run = await runCli(['compare', 'baseline.hyperfine.json', 'candidate.hyperfine.json'], {
      cwd: FIXTURES,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^benchmark +params +measure +A +B +change +CI +p +verdict$/m);
    expect(run.stdout).toMatch(
      /^work +- +latency +12\.59 ms +24\.17 ms +\+92\.04% +\[[^\]]+\] +<0\.0001 +regressed$/m,
    );
  });

  it('compare: two run ids from DATA_DIR as JSON', async () => {
    const dataDir = path.join(scratch.path, 'data');
    const ids = ['rmo1abcde0123456789', 'rmo1abcdf0123456789'];
    const files = ['baseline.hyperfine.json', 'candidate.hyperfine.json'];
    for (const [i, id] of ids.entries()) {
      const document = await parseResultFile(path.join(FIXTURES, files[i]!));
      const results: RunManifest['results'] = [{ ...document, benchmark: 'sleepers' }];
      await mkdir(path.join(dataDir, 'runs', id), { recursive: true });
      await writeFile(path.join(dataDir, 'runs', id, 'manifest.json'), JSON.stringify({ id, results }));
    }
    const run = await runCli(['compare', ids[0]!, ids[1]!, '--json'], { env: { DATA_DIR: dataDir } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rows = (JSON.parse(run.stdout) as { rows: ComparisonRow[] }).rows;
    expect(rows.filter((r) => r.measure === 'latency').map((r) => [r.benchmark, r.verdict])).toEqual([
      ['sleepers/work', 'regressed'],
      ['sleepers/steady', 'no significant change'],
    ]);
  });

  it('`pnpm benchrunner` resolves FILE against the directory it was typed in', async () => {
    const env = { ...process.env };
    delete env.INIT_CWD;
    const run = await spawnCapture(
      'pnpm',
      ['-C', REPO_ROOT, '-s', 'benchrunner', 'parse', 'single-object.json'],
      SEED_DIR,
      env,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(await parseResultFile(path.join(SEED_DIR, 'single-object.json')));
  });
});
