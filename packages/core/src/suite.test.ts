import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.ts';
import { loadSuite, noiseSettings, parseSuite, repeatBounds, resultsOnStdout, resultsPath } from './suite.ts';

const EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/suite.yaml');

function errorOf(text: string): ConfigError {
  try {
    parseSuite(text, 'suite.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('suite file', () => {
  it('loads the example suite with defaults filled in', async () => {
    const suite = await loadSuite(EXAMPLE);
    expect(suite.spec.project).toBe('example');
    expect(suite.spec.target).toEqual({ repository: '..', branch: 'main' });
    const add = suite.spec.benchmarks.find((b) => b.name === 'add')!;
    expect(add.command).toEqual(['node', 'add.mjs']);
    expect(add.format).toBe('seed');
    expect(resultsPath(add)).toBe('add.json');
    expect(suite.dir).toBe(path.dirname(EXAMPLE));
    expect(suite.fileHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('detects the result format unless one is named, and takes results from stdout', () => {
    const suite = parseSuite(
      [
        'benchmarks:',
        '  - {name: hyperfine, command: [hyperfine, -n, sleep, --export-json, out.json, "sleep 0.01"]}',
        '  - {name: bench-js, command: [node, bench.cjs], results: stdout}',
        '  - {name: seed, command: [node, add.js], format: seed}',
      ].join('\n'),
      'suite.yaml',
    );
    const [hyperfine, benchJs, seed] = suite.spec.benchmarks;
    expect(hyperfine?.format).toBe('auto');
    expect(resultsOnStdout(hyperfine!)).toBe(false);
    expect(benchJs?.format).toBe('auto');
    expect(resultsOnStdout(benchJs!)).toBe(true);
    expect(resultsPath(benchJs!)).toBe('stdout');
    expect(seed?.format).toBe('seed');
  });

  it('names the file, the path, the line and the column of a bad value', () => {
    const error = errorOf(
      'benchmarks:\n  - name: ok\n    command: [node, a.js]\n  - name: bad\n    command: "node b.js"\n',
    );
    expect(error.message).toContain('suite.yaml');
    expect(error.problems[0]?.path).toBe('benchmarks[1].command (line 5, column 14)');
    expect(error.problems[0]?.message).toMatch(/array/);
  });

  it('takes a fixed repeat count or adaptive {min, max, targetCi}, and names what is wrong with one', () => {
    const suite = parseSuite(
      [
        'benchmarks:',
        '  - {name: fixed, command: [a], repeats: 3}',
        '  - {name: adaptive, command: [a], repeats: {min: 5, max: 30, targetCi: 1.5}}',
        '  - {name: default, command: [a]}',
      ].join('\n'),
      'suite.yaml',
    );
    expect(suite.spec.benchmarks.map(repeatBounds)).toEqual([
      { min: 3, max: 3 },
      { min: 5, max: 30, targetCi: 1.5 },
      { min: 1, max: 1 },
    ]);
    const bad = (repeats: string) =>
      errorOf(`benchmarks:\n  - name: a\n    command: [a]\n    repeats: ${repeats}\n`).problems[0];
    expect(bad('{min: 9, max: 3, targetCi: 2}')).toEqual({
      path: 'benchmarks[0].repeats.max (line 4, column 28)',
      message: 'must not be below min',
    });
    expect(bad('{min: 2, max: 3}')?.message).toBe('must be a count (1..1000) or {min, max, targetCi}');
    expect(bad('{min: 2, max: 3, targetCi: 0}')?.path).toMatch(/^benchmarks\[0\]\.repeats/);
  });

  it('fills in the noise check defaults, turns it off with noise: false, and names a bad setting', () => {
    const parse = (noise: string) =>
      parseSuite(`${noise}\nbenchmarks:\n  - {name: a, command: [a]}\n`, 'suite.yaml').spec;
    expect(noiseSettings(parse(''))).toEqual({ seconds: 0.5, maxCv: 10, maxShift: 10, requeue: 1 });
    expect(noiseSettings(parse('noise: {maxCv: 25}'))).toEqual({
      seconds: 0.5,
      maxCv: 25,
      maxShift: 10,
      requeue: 1,
    });
    expect(noiseSettings(parse('noise: false'))).toBeNull();
    expect(
      errorOf('noise: {maxCv: -1}\nbenchmarks:\n  - {name: a, command: [a]}\n').problems[0]?.path,
    ).toMatch(/^noise/);
  });

  it('takes the cpus to pin to as a taskset CPU list, and names a bad one', () => {
    const suite = parseSuite('cpus: "0,2-3"\nbenchmarks:\n  - {name: a, command: [a]}\n', 'suite.yaml');
    expect(suite.spec.cpus).toBe('0,2-3');
    expect(errorOf('cpus: "0;rm -rf /"\nbenchmarks:\n  - {name: a, command: [a]}\n').problems[0]).toEqual({
      path: 'cpus (line 1, column 7)',
      message: 'must be a CPU list such as "0", "2-3" or "0,2-3"',
    });
  });

  it('reports YAML syntax errors with their position', () => {
    const error = errorOf('benchmarks:\n  - name: [unclosed\n');
    expect(error.message).toContain('not valid YAML');
    expect(error.problems[0]?.path).toMatch(/^line \d+, column \d+$/);
  });

  it('rejects unknown keys, escaping result paths and unknown profilers', () => {
    const error = errorOf(
      [
        'benchmarks:',
        '  - {name: a, command: [x]}',
        '  - {name: b, command: [x], results: ../../etc/passwd, profilers: [perf], colour: red}',
      ].join('\n'),
    );
    const paths = error.problems.map((p) => p.path.replace(/ \(line.*$/, ''));
    expect(paths).toEqual(
      expect.arrayContaining(['benchmarks[1]', 'benchmarks[1].results', 'benchmarks[1].profilers[0]']),
    );
  });

  it('reads the target repository, defaulting its branch to main, and has none by default', () => {
    const bench = 'benchmarks:\n  - {name: a, command: [x]}\n';
    expect(parseSuite(bench, 'suite.yaml').spec.target).toBeUndefined();
    const suite = parseSuite(`target: {repository: ../project}\n${bench}`, 'suite.yaml');
    expect(suite.spec.target).toEqual({ repository: '../project', branch: 'main' });
    const other = parseSuite(
      `target: {repository: 'https://example.test/p.git', branch: trunk}\n${bench}`,
      'x.yaml',
    );
    expect(other.spec.target?.branch).toBe('trunk');
  });

  it('rejects a target repository git would read as an option or a remote helper, and a bad branch', () => {
    const bench = 'benchmarks:\n  - {name: a, command: [x]}\n';
    for (const repository of ['--upload-pack=touch /tmp/x', "'ext::sh -c id'", "''"]) {
      const error = errorOf(`target: {repository: ${repository}}\n${bench}`);
      expect(error.problems[0]?.path, repository).toMatch(/^target\.repository \(line 1/);
    }
    const error = errorOf(`target: {repository: ., branch: '-x'}\n${bench}`);
    expect(error.problems[0]?.path).toMatch(/^target\.branch/);
  });

  it('rejects duplicate benchmark names', () => {
    const error = errorOf(
      ['benchmarks:', '  - {name: a, command: [x]}', '  - {name: a, command: [y]}'].join('\n'),
    );
    expect(error.problems[0]?.path).toBe('benchmarks[1].name (line 3, column 12)');
    expect(error.problems[0]?.message).toBe('duplicate of benchmarks[0].name');
  });

  it('rejects an empty suite and a missing file with the file named', async () => {
    expect(errorOf('benchmarks: []\n').problems[0]?.path).toMatch(/^benchmarks/);
    await expect(loadSuite('/nonexistent/suite.yaml')).rejects.toThrow(
      /cannot read suite file \/nonexistent\/suite.yaml/,
    );
  });

  it('takes detection settings per suite and per benchmark, and rejects bad ones by path', () => {
    const suite = parseSuite(
      [
        'detect: {window: 20, minChange: 0.03}',
        'benchmarks:',
        '  - name: a',
        '    command: [node, a.js]',
        '    detect: {maxPValue: 0.01, direction: higher}',
      ].join('\n'),
      'suite.yaml',
    );
    expect(suite.spec.detect).toEqual({ window: 20, minChange: 0.03 });
    expect(suite.spec.benchmarks[0]!.detect).toEqual({ maxPValue: 0.01, direction: 'higher' });
    const error = errorOf(
      'benchmarks:\n  - name: a\n    command: [x]\n    detect: {window: 1, direction: up}\n',
    );
    expect(error.problems.map((p) => p.path)).toEqual([
      'benchmarks[0].detect.window (line 4, column 22)',
      'benchmarks[0].detect.direction (line 4, column 36)',
    ]);
  });

  it('takes the rounds of a confirmation, or false to skip it, and rejects fewer than two', () => {
    const spec = (confirm: string) =>
      `detect: {confirm: ${confirm}}\nbenchmarks:\n  - name: a\n    command: [x]\n`;
    expect(parseSuite(spec('{rounds: 5}'), 'suite.yaml').spec.detect).toEqual({ confirm: { rounds: 5 } });
    expect(parseSuite(spec('false'), 'suite.yaml').spec.detect).toEqual({ confirm: false });
    for (const [bad, path] of [
      ['{rounds: 1}', 'detect.confirm.rounds'],
      ['true', 'detect.confirm'],
      ['{times: 3}', 'detect.confirm'],
    ]) {
      expect(
        errorOf(spec(bad as string)).problems.map((p) => p.path.split(' ')[0]),
        bad,
      ).toEqual([path]);
    }
  });

  it('takes alert settings and names a bad status or repository by path', () => {
    const suite = parseSuite(
      [
        'alerts:',
        '  on: [suspected, confirmed]',
        '  slack: false',
        '  github: {repository: acme/widgets, statuses: false}',
        'benchmarks:',
        '  - name: a',
        '    command: [node, a.js]',
      ].join('\n'),
      'suite.yaml',
    );
    expect(suite.spec.alerts).toEqual({
      on: ['suspected', 'confirmed'],
      slack: false,
      github: { repository: 'acme/widgets', statuses: false },
    });
    expect(
      parseSuite('alerts: {github: false}\nbenchmarks: [{name: a, command: [x]}]\n', 's.yaml').spec.alerts,
    ).toEqual({
      github: false,
    });
    const error = errorOf(
      'alerts:\n  on: [loud]\n  github: {repository: "acme/widgets; rm -rf /"}\nbenchmarks: [{name: a, command: [x]}]\n',
    );
    expect(error.problems.map((p) => p.path)).toEqual([
      'alerts.on[0] (line 2, column 8)',
      'alerts.github.repository (line 3, column 24)',
    ]);
  });
});
