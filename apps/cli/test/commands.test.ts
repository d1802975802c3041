import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunManifest } from '@benchrunner/core';
import type { ComparisonRow } from '@benchrunner/results';
import { parseResultFile } from '@benchrunner/results';
import { describe, expect, it } from 'vitest';
import { runInProcess } from './in-process.ts';
import { FIXTURES, RESULT_FIXTURES, useScratchDir } from './run-cli.ts';

const SEED_DIR = path.join(RESULT_FIXTURES, 'seed');
const BASELINE = path.join(FIXTURES, 'baseline.hyperfine.json');
const CANDIDATE = path.join(FIXTURES, 'candidate.hyperfine.json');

const scratch = useScratchDir();

/** 1-based line and column just past the end of a text. */
function positionOfEnd(text: string): [number, number] {
  const lines = text.split('\n');
  return [lines.length, lines.at(-1)!.length + 1];
}

/** The one line a failed command prints. */
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('benchrunner parse', () => {
  it('prints the normalized model of a file named relative to the caller', async () => {
    const run = await runInProcess(['parse', 'remote-array.json'], { cwd: SEED_DIR });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const expected = await parseResultFile(path.join(SEED_DIR, 'remote-array.json'));
    expect(JSON.parse(run.stdout)).toEqual(expected);
    expect(expected.format).toBe('seed');
  });

  it('takes --format and a path relative to a parent directory', async () => {
    const run = await runInProcess(['parse', 'hyperfine/two-commands.json', '--format', 'hyperfine'], {
      cwd: RESULT_FIXTURES,
    });
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout);
    expect(document.format).toBe('hyperfine');
    expect(document.benchmarks.map((b: { name: string }) => b.name)).toEqual(['sleep 0.01', 'sleep 0.02']);
  });

  it('fails a truncated file with one line naming the file, the format and the position', async () => {
    const text = await readFile(path.join(SEED_DIR, 'remote-array.json'), 'utf8');
    const file = path.join(scratch.path, 'truncated.json');
    await writeFile(file, text.slice(0, Math.floor(text.length / 2)));
    const run = await runInProcess(['parse', 'truncated.json'], { cwd: scratch.path });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const [line, column] = positionOfEnd(text.slice(0, Math.floor(text.length / 2)));
    expect(oneLine(run.stderr)).toBe(
      `benchrunner parse: truncated.json:${line}:${column}: seed format: truncated JSON (unexpected end of input)`,
    );
  });

  it('names the path as given and the JSON path of a bad value, and the formats that would parse it', async () => {
    await mkdir(path.join(scratch.path, 'out', 'sub'), { recursive: true });
    await writeFile(
      path.join(scratch.path, 'out', 'sub', 'hyperfine.json'),
      await readFile(path.join(RESULT_FIXTURES, 'hyperfine', 'two-commands.json')),
    );
    const run = await runInProcess(['parse', 'out/sub/hyperfine.json', '--format', 'seed'], {
      cwd: scratch.path,
    });
    expect(run.code).toBe(1);
    expect(oneLine(run.stderr)).toBe(
      'benchrunner parse: out/sub/hyperfine.json: seed format: $.name: expected a non-empty string, got nothing (missing); the file parses as: hyperfine',
    );
  });

  it('fails a file of another format than --format names', async () => {
    const run = await runInProcess([
      'parse',
      path.join(SEED_DIR, 'remote-array.json'),
      '--format',
      'go-bench',
    ]);
    expect(run.code).toBe(1);
    expect(oneLine(run.stderr)).toMatch(
      new RegExp(
        `^benchrunner parse: ${path.join(SEED_DIR, 'remote-array.json')}:\\d+(:\\d+)?: go-bench format: .*; the file parses as: seed$`,
      ),
    );
  });

  it('fails a missing file and an unknown format in one line each', async () => {
    const missing = await runInProcess(['parse', 'no-such-file.json'], { cwd: scratch.path });
    expect(missing.code).toBe(1);
    expect(oneLine(missing.stderr)).toMatch(/no-such-file\.json.*(ENOENT|no such file)/);
    const unknown = await runInProcess(['parse', BASELINE, '--format', 'nope']);
    expect(unknown.code).toBe(1);
    expect(oneLine(unknown.stderr)).toMatch(/nope.*supported formats: .*hyperfine/);
  });
});

describe('usage', () => {
  it('exits 2 naming an unknown command, flag or a missing argument', async () => {
    const [command, flag, missing, value] = await Promise.all([
      runInProcess(['frobnicate']),
      runInProcess(['parse', 'x.json', '--frob']),
      runInProcess(['compare', 'a.json']),
      runInProcess(['compare', 'a', 'b', '--alpha', '2']),
    ]);
    expect(command.code).toBe(2);
    expect(oneLine(command.stderr)).toMatch(/unknown command 'frobnicate'/);
    expect(flag.code).toBe(2);
    expect(oneLine(flag.stderr)).toMatch(/^benchrunner parse: unknown option '--frob'/);
    expect(missing.code).toBe(2);
    expect(oneLine(missing.stderr)).toMatch(/missing B/);
    expect(value.code).toBe(2);
    expect(oneLine(value.stderr)).toMatch(/'--alpha' must be a number between 0 and 1, got '2'/);
  });

  it('prints help for the program and every command', async () => {
    const runs = await Promise.all([
      runInProcess(['--help']),
      runInProcess(['parse', '--help']),
      runInProcess(['compare', '-h']),
      runInProcess(['help', 'formats']),
    ]);
    for (const run of runs) {
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: benchrunner /);
    }
    expect(runs[0]!.stdout).toMatch(/parse .*\n.*compare .*\n.*formats /);
    expect(runs[1]!.stdout).toContain('--format NAME');
    expect(runs[2]!.stdout).toContain('--alpha P');
  });

  it('lists the formats', async () => {
    const text = await runInProcess(['formats']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^seed +\S/m);
    expect(text.stdout).toMatch(/^hyperfine +hyperfine/m);
    const json = await runInProcess(['formats', '--json']);
    const formats = JSON.parse(json.stdout) as { name: string; description: string }[];
    expect(formats.map((f) => f.name)).toEqual(expect.arrayContaining(['seed', 'hyperfine', 'go-bench']));
  });
});

describe('benchrunner compare', () => {
  it('prints a table of changes with significance for two files', async () => {
    const run = await runInProcess(['compare', 'baseline.hyperfine.json', 'candidate.hyperfine.json'], {
      cwd: FIXTURES,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^benchmark +params +measure +A +B +change +CI +p +verdict$/);
    expect(run.stdout).toMatch(
      /^work +- +latency +12\.59 ms +24\.17 ms +\+92\.04% +\[\+\d+\.\d+%, \+\d+\.\d+%\] +<0\.0001 +regressed$/m,
    );
    expect(run.stdout).toMatch(/^steady +- +latency .* no significant change$/m);
    // hyperfine's user/system times are single figures: left out, and said once why.
    expect(run.stdout).not.toMatch(/user_time .* no test/);
    expect(run.stdout).toContain(
      '4 measures with a single value on a side (user_time, system_time) are left out: one value has no spread to test.',
    );
  });

  it('fails when nothing matches, even without --fail-on-regression', async () => {
    // The same file with its commands renamed, as hyperfine names two variants of one benchmark.
    const document = JSON.parse(await readFile(CANDIDATE, 'utf8'));
    for (const result of document.results) result.command = `./v2 ${result.command}`;
    const renamed = path.join(scratch.path, 'renamed.hyperfine.json');
    await writeFile(renamed, JSON.stringify(document));
    for (const extra of [[], ['--fail-on-regression'], ['--json']]) {
      const run = await runInProcess(['compare', BASELINE, renamed, ...extra]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(oneLine(run.stderr)).toMatch(
        /^benchrunner compare: no benchmark matched between A and B \(A has 'work', 'steady'; B has '\.\/v2 .*hyperfine -n NAME/,
      );
    }
  });

  it('takes --min-change and --no-fdr, and notes a busy minion of a run', async () => {
    const big = await runInProcess([
      'compare',
      BASELINE,
      CANDIDATE,
      '--min-change',
      '1',
      '--fail-on-regression',
    ]);
    expect(big.code).toBe(0);
    expect(big.stdout).toMatch(/^work +- +latency .* no significant change$/m);
    const raw = await runInProcess(['compare', BASELINE, CANDIDATE, '--no-fdr', '--json']);
    const report = JSON.parse(raw.stdout) as { fdr: boolean; rows: ComparisonRow[] };
    expect(report.fdr).toBe(false);
    const work = report.rows.find((r) => r.measure === 'latency' && r.benchmark === 'work')!;
    expect(work.pAdjusted).toBe(work.test!.p);
    expect((await runInProcess(['compare', BASELINE, CANDIDATE, '--min-change', '-1'])).code).toBe(2);

    const dataDir = path.join(scratch.path, 'busy');
    const id = 'rmo1abcbb0123456789';
    const results: RunManifest['results'] = [{ ...(await parseResultFile(BASELINE)), benchmark: 'work' }];
    const environment = { cpu_count: '2', load_avg: '3.10 2.00 1.00' };
    await mkdir(path.join(dataDir, 'runs', id), { recursive: true });
    await writeFile(
      path.join(dataDir, 'runs', id, 'manifest.json'),
      JSON.stringify({ id, results, environment }),
    );
    const busy = await runInProcess(['compare', id, id], { env: { DATA_DIR: dataDir } });
    expect(busy.code).toBe(0);
    expect(busy.stdout).toContain(
      'Cannot trust this comparison fully: the minion of A was busy: load average 3.1 on 2 CPUs when the run started.',
    );
  });

  it('prints the same as JSON, and exits 1 on a regression when asked', async () => {
    const run = await runInProcess([
      'compare',
      BASELINE,
      CANDIDATE,
      '--json',
      '--alpha',
      '0.01',
      '--fail-on-regression',
    ]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { alpha: number; a: { kind: string }; rows: ComparisonRow[] };
    expect(report.alpha).toBe(0.01);
    expect(report.a.kind).toBe('file');
    const latency = report.rows.filter((r) => r.measure === 'latency');
    expect(latency.map((r) => [r.benchmark, r.verdict])).toEqual([
      ['work', 'regressed'],
      ['steady', 'no significant change'],
    ]);
    expect(latency[0]!.a!.n).toBe(30);
    expect(latency[0]!.change).toBeCloseTo(0.9204, 3);
    expect(latency[0]!.test!.p).toBeLessThan(0.0001);
  });

  it('compares two runs by id from DATA_DIR', async () => {
    const dataDir = path.join(scratch.path, 'data');
    const ids = ['rmo1abcde0123456789', 'rmo1abcdf0123456789'];
    const files = [BASELINE, CANDIDATE];
    for (const [i, id] of ids.entries()) {
      const document = await parseResultFile(files[i]!);
      const results: RunManifest['results'] = [{ ...document, benchmark: 'sleepers' }];
      await mkdir(path.join(dataDir, 'runs', id), { recursive: true });
      await writeFile(path.join(dataDir, 'runs', id, 'manifest.json'), JSON.stringify({ id, results }));
    }
    const run = await runInProcess(['compare', ids[0]!, ids[1]!, '--json'], { env: { DATA_DIR: dataDir } });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as { a: { kind: string }; rows: ComparisonRow[] };
    expect(report.a.kind).toBe('run');
    const work = report.rows.find((r) => r.measure === 'latency' && r.benchmark === 'sleepers/work');
    expect(work?.verdict).toBe('regressed');
    // A run directory works as well as its id.
    const byDir = await runInProcess(['compare', path.join(dataDir, 'runs', ids[0]!), BASELINE]);
    expect(byDir.code).toBe(0);
    expect(byDir.stdout).toMatch(/^work +- +latency .* no significant change$/m);
  });

  it('fails a run id without a manifest, a broken manifest and a bad file in one line', async () => {
    const dataDir = path.join(scratch.path, 'broken');
    await mkdir(path.join(dataDir, 'runs', 'rmo1abcdd0123456789'), { recursive: true });
    await writeFile(
      path.join(dataDir, 'runs', 'rmo1abcdd0123456789', 'manifest.json'),
      '{"results": [{"format": 1}]}',
    );
    const env = { DATA_DIR: dataDir };
    const [missing, broken, neither] = await Promise.all([
      runInProcess(['compare', 'rmo1abcdc0123456789', BASELINE], { env }),
      runInProcess(['compare', 'rmo1abcdd0123456789', BASELINE], { env }),
      runInProcess(['compare', 'nothing-here', BASELINE]),
    ]);
    expect(missing.code).toBe(1);
    expect(oneLine(missing.stderr)).toMatch(/run rmo1abcdc0123456789: no manifest at .*manifest\.json/);
    expect(broken.code).toBe(1);
    expect(oneLine(broken.stderr)).toMatch(/not a run manifest at results\[0\]\.format/);
    expect(neither.code).toBe(1);
    expect(oneLine(neither.stderr)).toMatch(/nothing-here: no such file or directory, and not a run id/);
  });
});
