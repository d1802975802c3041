import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '@benchrunner/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultParseError } from './errors.ts';
import { fixturePath, readFixture } from './formats/fixture.ts';
import { mergeResults } from './merge.ts';
import { listFormats, parseResultFile, parseResults } from './parse.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'results-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseResults', () => {
  it('lists every format and rejects undetectable content naming them', () => {
    const names = listFormats().map((f) => f.name);
    expect(names).toHaveLength(14);
    const err = (() => {
      try {
        parseResults('hello world', { source: 'x.txt' });
      } catch (e) {
        return e as ResultParseError;
      }
    })();
    expect(err).toBeInstanceOf(ResultParseError);
    expect(err).toBeInstanceOf(InputError);
    expect(err?.message).toBe(
      `x.txt: auto format: cannot detect the format; supported formats: ${names.join(', ')} (pass one with --format)`,
    );
  });

  it('rejects an unknown format name and a mismatched format', () => {
    expect(() => parseResults('{}', { format: 'nope', source: 'a' })).toThrow(
      /a: nope format: unknown format; supported formats: seed/,
    );
    expect(() =>
      parseResults(readFixture('go-bench', 'cpu-1-2.txt'), { format: 'hyperfine', source: 'go.txt' }),
    ).toThrow(/go.txt: hyperfine format: line 1, column 1: invalid JSON/);
    expect(() =>
      parseResults(readFixture('hyperfine', 'two-commands.json'), {
        format: 'pytest-benchmark',
        source: 'h.json',
      }),
    ).toThrow('h.json: pytest-benchmark format: $.benchmarks: expected an array, got nothing (missing)');
  });
});

describe('parseResultFile', () => {
  it('streams a text file and reads a JSON file whole, with the same result as parseResults', async () => {
    for (const [d, f] of [
      ['go-bench', 'two-packages-count3.txt'],
      ['hyperfine', 'two-commands.json'],
      ['catch2', 'fibonacci.txt'],
    ] as const) {
      const fromFile = await parseResultFile(fixturePath(d, f));
      expect(fromFile).toEqual(parseResults(readFixture(d, f), { source: f }));
    }
  });

  it('names the file when it cannot be read or parsed', async () => {
    await expect(parseResultFile(path.join(dir, 'missing.json'))).rejects.toThrow(
      /missing.json: auto format: cannot read/,
    );
    const bad = path.join(dir, 'bad.txt');
    await writeFile(
      bad,
      `${readFixture('go-bench', 'cpu-1-2.txt')}BenchmarkX-2 \t 10\t 5 ns/op\t abc MB/s\n`,
    );
    await expect(parseResultFile(bad)).rejects.toThrow(
      /bad.txt: go-bench format: line 11, column 29: MB\/s: expected a non-negative number, got "abc"/,
    );
  });
});

describe('mergeResults', () => {
  it('merges repeated runs: mean value, every value as a sample', () => {
    const a = parseResults(readFixture('cargo-bench', 'fib.txt'));
    const b = structuredClone(a);
    for (const x of b.benchmarks) if (x.measures.latency) x.measures.latency.value *= 2;
    const m = mergeResults([a, b]);
    expect(m.format).toBe('cargo-bench');
    const fib = m.benchmarks.find((x) => x.name === 'tests::bench_fib_10')?.measures.latency;
    expect(fib?.samples).toEqual([198.79, 397.58]);
    expect(fib?.value).toBeCloseTo(198.79 * 1.5, 9);
    expect(m.benchmarks).toHaveLength(3);
  });

  it('refuses to merge one measure in two units', () => {
    const a = {
      format: 'x',
      benchmarks: [{ name: 'b', params: {}, measures: { m: { value: 1, unit: 'ns' } } }],
    };
    const b = {
      format: 'y',
      benchmarks: [{ name: 'b', params: {}, measures: { m: { value: 1, unit: 'ms' } } }],
    };
    expect(() => mergeResults([a, b])).toThrow(InputError);
  });
});
