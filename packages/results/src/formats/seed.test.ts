import { ResultDocument } from '@benchrunner/core';
import { describe, expect, it } from 'vitest';
import { ResultParseError } from '../errors.ts';
import { parseResults } from '../parse.ts';
import { readFixture } from './fixture.ts';

describe('seed format', () => {
  it('parses the REMOTE array file, merging repeated rows of one benchmark', () => {
    const doc = parseResults(readFixture('seed', 'remote-array.json'), { source: 'remote-array.json' });
    ResultDocument.parse(doc);
    expect(doc.format).toBe('seed');
    expect(doc.benchmarks).toHaveLength(2);
    const [kb, mb] = doc.benchmarks;
    expect(kb?.name).toBe('unixFsAdd');
    expect(kb?.params).toEqual({
      file_set: 'OneKBFile',
      warmup: 'true',
      subTest: 'empty-repo',
      testClass: 'OneKBFile',
    });
    const lat = kb?.measures.latency;
    expect(lat?.unit).toBe('ns');
    expect(lat?.samples).toEqual([35_874_671, 29_125_329]);
    expect(lat?.value).toBeCloseTo((35_874_671 + 29_125_329) / 2, 3);
    expect(lat?.lower).toBeCloseTo(29_125_329, 3);
    expect(kb?.measures.cpu).toMatchObject({ value: 13, unit: 'percent', samples: [12.5, 13.5] });
    expect(kb?.measures.memory?.samples).toEqual([1537089536, 1539186688]);
    expect(mb?.params.testClass).toBe('One4MBFile');
    expect(mb?.measures.latency?.value).toBeCloseTo(1e9 + 204.112e6, 0);
    expect(mb?.measures.load_avg_1m).toEqual({ value: 0.61, unit: 'load' });
  });

  it('parses one object per file with a process.memoryUsage() memory', () => {
    const doc = parseResults(readFixture('seed', 'single-object.json'));
    const b = doc.benchmarks[0];
    expect(b?.params).toEqual({ file_set: 'None', warmup: 'false' });
    expect(b?.measures.latency?.value).toBe(2.5125e9);
    expect(b?.measures.memory).toEqual({ value: 187342848, unit: 'bytes' });
    expect(b?.measures.heap_used).toEqual({ value: 98765432, unit: 'bytes' });
    expect(b?.measures.cpu?.value).toBe(41.25);
  });

  it('names the file, format and JSON path of a bad number', () => {
    const rows = JSON.parse(readFixture('seed', 'remote-array.json'));
    rows[2].duration.ms = 'abc';
    expect(() => parseResults(JSON.stringify(rows), { source: 'results.json' })).toThrow(
      'results.json: seed format: $[2].duration.ms: expected a non-negative number, got "abc"',
    );
    rows[2].duration.ms = -1;
    expect(() => parseResults(JSON.stringify(rows), { source: 'r.json', format: 'seed' })).toThrow(
      /\$\[2\]\.duration\.ms: expected a non-negative/,
    );
    delete rows[1].duration.s;
    expect(() => parseResults(JSON.stringify(rows), { source: 'r.json', format: 'seed' })).toThrow(
      'r.json: seed format: $[1].duration.s: expected a non-negative number, got nothing (missing)',
    );
  });

  it('locates a JSON syntax error by line and column', () => {
    const text = readFixture('seed', 'remote-array.json');
    const cut = text.slice(0, text.indexOf('"cpu": 25') + 7);
    const err = (() => {
      try {
        parseResults(`${cut}x, "memory": 1}]`, { source: 'cut.json', format: 'seed' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ResultParseError);
    expect((err as ResultParseError).position).toBe('line 44, column 16');
    expect(() => parseResults(cut, { source: 'cut.json', format: 'seed' })).toThrow(
      /cut.json:44:16: seed format: truncated JSON/,
    );
  });
});
