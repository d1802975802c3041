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
    ).toThrow(/go.txt:1:1: hyperfine format: invalid JSON/);
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

  it('names the file by its path as given, and the line and column, when it cannot be read or parsed', async () => {
    const missing = path.join(dir, 'missing.json');
    await expect(parseResultFile(missing)).rejects.toThrow(`${missing}: auto format: cannot read`);
    const bad = path.join(dir, 'bad.txt');
    await writeFile(
      bad,
      `${readFixture('go-bench', 'cpu-1-2.txt')}BenchmarkX-2 \t 10\t 5 ns/op\t abc MB/s\n`,
    );
    const expected = 'go-bench format: MB/s: expected a non-negative number, got "abc"';
    await expect(parseResultFile(bad)).rejects.toThrow(`${bad}:11:29: ${expected}`);
    // A relative path stays relative, exactly as the caller wrote it.
    const relative = path.relative(process.cwd(), bad);
    expect(relative.startsWith('/')).toBe(false);
    const err = await parseResultFile(relative).then(
      () => undefined,
      (e: unknown) => e as ResultParseError,
    );
    expect(err).toBeInstanceOf(ResultParseError);
    expect(err?.message).toBe(`${relative}:11:29: ${expected}`);
    expect(err).toMatchObject({ file: relative, format: 'go-bench', position: 'line 11, column 29' });
  });

  it('names the JSON path of a bad value and the formats that would have parsed the file', async () => {
    // The seed format used to be the default: a hyperfine file then failed with no hint.
    const file = path.join(dir, 'hyperfine.json');
    await writeFile(file, readFixture('hyperfine', 'two-commands.json'));
    await expect(parseResultFile(file, { format: 'seed' })).rejects.toThrow(
      `${file}: seed format: $.name: expected a non-empty string, got nothing (missing); the file parses as: hyperfine`,
    );
    // From text too, and with several candidates in detection order.
    const text = readFixture('go-bench', 'cpu-1-2.txt');
    expect(() => parseResults(text, { format: 'catch2', source: 'go.txt' })).toThrow(
      /^go\.txt:\d+(:\d+)?: catch2 format: .*; the file parses as: go-bench$/,
    );
  });

  it('locates broken JSON that no format detects, instead of only saying it cannot detect one', async () => {
    // A seed script that died while writing its file, under the default `auto`.
    const file = path.join(dir, 'cut-seed.json');
    await writeFile(file, '[{"name": "x", "duration": {"s": 0, ');
    await expect(parseResultFile(file)).rejects.toThrow(
      `${file}:1:37: auto format: cannot detect the format: truncated JSON (unexpected end of input)`,
    );
    expect(() => parseResults('{"a": [1, 2,, 3]}', { source: 'odd.json' })).toThrow(
      'odd.json:1:13: auto format: cannot detect the format: invalid JSON near ", 3]}"',
    );
    // Valid JSON of no known shape still lists the formats.
    expect(() => parseResults('{"a": 1}', { source: 'a.json' })).toThrow(
      /^a\.json: auto format: cannot detect the format; supported formats: seed, /,
    );
  });

  it('adds no hint when no other format parses the file', async () => {
    const file = path.join(dir, 'broken-seed.json');
    const rows = JSON.parse(readFixture('seed', 'remote-array.json'));
    rows[1].duration.ms = 'abc';
    await writeFile(file, JSON.stringify(rows, null, 2));
    await expect(parseResultFile(file)).rejects.toThrow(
      new RegExp(
        `^${file}: seed format: \\$\\[1\\]\\.duration\\.ms: expected a non-negative number, got "abc"$`,
      ),
    );
  });

  it("detects the format of a file from every supported tool, including the seed scripts' files", async () => {
    for (const [d, f, format] of [
      ['seed', 'remote-array.json', 'seed'],
      ['seed', 'single-object.json', 'seed'],
      ['hyperfine', 'two-commands.json', 'hyperfine'],
      ['hyperfine', 'parameter-scan.json', 'hyperfine'],
      ['benchmarkjs', 'suite.txt', 'benchmarkjs'],
      ['go-bench', 'cpu-1-2.txt', 'go-bench'],
      ['cargo-bench', 'fib.txt', 'cargo-bench'],
      ['catch2', 'fibonacci.txt', 'catch2'],
    ] as const) {
      expect((await parseResultFile(fixturePath(d, f))).format, `${d}/${f}`).toBe(format);
    }
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
