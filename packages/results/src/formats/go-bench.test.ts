import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ResultDocument } from '@benchrunner/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeResults, type Series, SeriesMerger } from '../merge.ts';
import { parseResultFile, parseResults } from '../parse.ts';
import { readFixture } from './fixture.ts';
import { goBenchParser } from './go-bench.ts';

type Outcome = { doc: ResultDocument } | { error: string };

function outcome(run: () => ResultDocument): Outcome {
  try {
    return { doc: run() };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** The general path only: every line through `line`, as the parser did before it had `block`. */
function byLineOnly(text: string): Outcome {
  return outcome(() => {
    const lp = goBenchParser.lines?.('t.txt');
    if (!lp) throw new Error('go-bench has no line parser');
    const lines = text.split('\n');
    lines.forEach((l, i) => {
      lp.line(l.endsWith('\r') ? l.slice(0, -1) : l, i + 1);
    });
    return lp.end();
  });
}

/** The fast path (`block`) with its fallbacks. */
function byBlocks(text: string): Outcome {
  return outcome(() => goBenchParser.parse(text, 't.txt'));
}

const fixtures = ['cpu-1-2.txt', 'two-packages-count3.txt'].map((f) => readFixture('go-bench', f));

// Characters that sit on the fast path's edges: separators, number syntax, non-ASCII and
// whitespace that only the regular expressions know.
const edgy = fc.constantFrom(
  ' ',
  '\t',
  '\r',
  '\n',
  ',',
  '_',
  '.',
  'e',
  'E',
  'e+5',
  'e-3',
  '-',
  '+',
  '0',
  '7',
  '00',
  '1234567890123456789',
  '1e999',
  '1e-30',
  '0e400',
  'x',
  'µ',
  '\u00a0',
  '\u2028',
  '\v',
  '\f',
  '\u0000',
  '\ud800',
  ' ns/op',
  ' MB/s',
  ' B/op',
  ' allocs/op',
  ' custom/op',
  ' constructor',
  '-2',
  ' 5 ',
  '\t0\t',
  'pkg: example.com/x\n',
  'FAIL',
  '--- FAIL: x\n',
  'Benchmark',
  'BenchmarkSha256-2 1 1 ns/op\n',
);

const mutated = fc
  .tuple(
    fc.constantFrom(...fixtures),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 12 }), fc.array(edgy, { minLength: 1, maxLength: 3 })), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([text, edits]) => {
    let t = text;
    for (const [at, cut, ins] of edits) {
      const i = at % (t.length + 1);
      t = t.slice(0, i) + ins.join('') + t.slice(i + cut);
    }
    return t;
  });

describe('go-bench fast path', () => {
  it('gives the same document or the same error as the line path on mutated fixtures', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        expect(byBlocks(text)).toEqual(byLineOnly(text));
      }),
      { numRuns: 1500 },
    );
  });

  it('reads numbers exactly as Number() does', () => {
    const decimal = fc
      .tuple(
        fc.stringMatching(/^\d{0,17}$/),
        fc.option(fc.stringMatching(/^\d{0,17}$/)),
        fc.option(fc.integer({ min: -40, max: 40 })),
      )
      .map(([a, b, e]) => `${a}${b === null ? '' : `.${b}`}${e === null ? '' : `e${e}`}`);
    fc.assert(
      fc.property(decimal, (num) => {
        const text = `BenchmarkX-2 \t 1\t ${num} ns/op\t ${num} MB/s\n`;
        expect(byBlocks(text)).toEqual(byLineOnly(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('merges many rows, in order of first appearance, with exact means', () => {
    const rows = ['pkg: a'];
    for (let i = 0; i < 2000; i++) {
      if (i === 1000) rows.push('pkg: b');
      rows.push(`BenchmarkN${i % 7}-${1 + (i % 2)} \t 10\t ${(i * 0.37).toFixed(2)} ns/op\t ${i % 5} B/op\r`);
    }
    const text = `${rows.join('\n')}\n`;
    const fast = byBlocks(text);
    expect(fast).toEqual(byLineOnly(text));
    if (!('doc' in fast)) throw new Error(fast.error);
    expect(fast.doc.benchmarks).toHaveLength(28);
    expect(fast.doc.benchmarks[0]?.measures.latency?.samples).toHaveLength(72);
  });
});

describe('SeriesMerger', () => {
  it('merges rows as mergeResults merges the same values one by one', () => {
    type Pair = { measure: string; unit: string; value: number };
    const pair: fc.Arbitrary<Pair> = fc.record({
      measure: fc.constantFrom('latency', 'allocs', 'x'),
      unit: fc.constantFrom('u', 'u', 'u', 'u', 'v'),
      value: fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e12, noNaN: true })),
    });
    const template = ['latency', 'allocs', 'x'];
    const row = fc.record({
      bench: fc.nat({ max: 2 }),
      pairs: fc.oneof<fc.Arbitrary<Pair[]>[]>(
        // Mostly rows of one layout (the fast case), sometimes anything (repeats, other order).
        fc
          .array(fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e12, noNaN: true })), {
            minLength: 3,
            maxLength: 3,
          })
          .map((vs) => vs.map((value, i) => ({ measure: template[i] as string, unit: 'u', value }))),
        fc.array(pair, { minLength: 1, maxLength: 4 }),
      ),
    });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 60, size: 'max' }), (rows) => {
        const merger = new SeriesMerger();
        const series = new Map<number, Series>();
        const docs: ResultDocument[] = [];
        for (const r of rows) {
          let s = series.get(r.bench);
          if (!s) {
            s = merger.create(`B${r.bench}`, { pkg: 'p' });
            series.set(r.bench, s);
          }
          const units = r.pairs.map((p) => `${p.measure}-${p.unit}`);
          merger.addRow(
            s,
            r.pairs.map((p) => p.value),
            r.pairs.map((p) => p.measure),
            units,
            r.pairs.length,
          );
          for (const [i, p] of r.pairs.entries()) {
            docs.push({
              format: 'go-bench',
              benchmarks: [
                {
                  name: `B${r.bench}`,
                  params: { pkg: 'p' },
                  measures: { [p.measure]: { value: p.value, unit: units[i] as string } },
                },
              ],
            });
          }
        }
        const expected = outcome(() => mergeResults(docs));
        const got = outcome(() => ({ format: 'go-bench', benchmarks: merger.results() }));
        if ('error' in expected) {
          expect(
            'error' in got && got.error.replace('UnitMismatch: ', 'InputError: cannot merge results: '),
          ).toBe(expected.error);
        } else expect(got).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });
});

describe('go-bench streaming', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'go-bench-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives parseResults() result over read chunks of 1 MiB, lines across their edges', async () => {
    const rows: string[] = ['\ufeffgoos: linux'];
    let size = 0;
    // Over 3 MiB of rows of varying length, some with CRLF, so that lines straddle chunk edges.
    for (let i = 0; size < 3.2 * 1024 * 1024; i++) {
      if (i % 9000 === 0) rows.push(`pkg: example.com/p${i / 9000}`);
      const pad = ' '.repeat(i % 13);
      const row = `BenchmarkCase${i % 300}/size=${i % 7}-2${pad}\t  ${100 + i}\t ${i}.5 ns/op\t ${i % 97} custom/op${i % 3 === 0 ? '\r' : ''}`;
      rows.push(row);
      size += row.length + 1;
    }
    const text = `${rows.join('\n')}\nBenchmarkLast-2 1 9 ns/op`;
    const file = path.join(dir, 'big.txt');
    await writeFile(file, text);
    const fromFile = await parseResultFile(file);
    expect(fromFile).toEqual(parseResults(text, { source: 'big.txt' }));
    expect(fromFile.benchmarks.at(-1)?.name).toBe('BenchmarkLast');
  });

  it('reports a bad row after the first chunk with its line and column', async () => {
    const rows = Array.from({ length: 60000 }, (_, i) => `BenchmarkA-2 \t 10\t ${i} ns/op\t 1 B/op`);
    rows[50000] = 'BenchmarkA-2 \t 10\t 5 ns/op\t 1,2x B/op';
    const file = path.join(dir, 'bad.txt');
    await writeFile(file, rows.join('\n'));
    await expect(parseResultFile(file)).rejects.toThrow(
      `${file}:50001:29: go-bench format: B/op: expected a non-negative number, got "1,2x"`,
    );
  });
});
