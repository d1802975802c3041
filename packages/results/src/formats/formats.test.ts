import { type BenchmarkResult, ResultDocument } from '@benchrunner/core';
import { describe, expect, it } from 'vitest';
import { parseResults } from '../parse.ts';
import { readFixture } from './fixture.ts';

function parse(dir: string, file: string): ResultDocument {
  const doc = parseResults(readFixture(dir, file), { source: file });
  ResultDocument.parse(doc);
  expect(doc.format).toBe(dir);
  return doc;
}

function bench(doc: ResultDocument, name: string, params?: Record<string, string>): BenchmarkResult {
  const b = doc.benchmarks.find(
    (x) => x.name === name && (!params || JSON.stringify(x.params) === JSON.stringify(params)),
  );
  if (!b) throw new Error(`no ${name} in ${doc.benchmarks.map((x) => x.name).join(', ')}`);
  return b;
}

describe('hyperfine', () => {
  it('converts seconds to ns and keeps every run as a sample', () => {
    const raw = JSON.parse(readFixture('hyperfine', 'two-commands.json'));
    const doc = parse('hyperfine', 'two-commands.json');
    const r0 = raw.results[0];
    const lat = bench(doc, 'sleep 0.01').measures.latency;
    expect(lat?.unit).toBe('ns');
    expect(lat?.value).toBeCloseTo(r0.mean * 1e9, 3);
    expect(lat?.lower).toBeCloseTo(r0.min * 1e9, 3);
    expect(lat?.upper).toBeCloseTo(r0.max * 1e9, 3);
    expect(lat?.samples).toHaveLength(5);
    expect(lat?.samples?.[0]).toBeCloseTo(0.01128211604 * 1e9, 3);
    expect(bench(doc, 'sleep 0.01').measures.user_time?.value).toBeCloseTo(0.00125042 * 1e9, 3);
  });
  it('turns -P parameters into params', () => {
    const doc = parse('hyperfine', 'parameter-scan.json');
    expect(bench(doc, 'sleep 0.001').params).toEqual({ ms: '1' });
    expect(bench(doc, 'sleep 0.002').params).toEqual({ ms: '2' });
  });
});

describe('google-benchmark', () => {
  it('converts every time_unit to ns', () => {
    const doc = parse('google-benchmark', 'units.json');
    expect(bench(doc, 'BM_StringCopy/8').measures.latency?.value).toBeCloseTo(8.647464685895375, 9);
    expect(bench(doc, 'BM_StringCopy/8').measures.bytes_per_second).toEqual({
      value: 948705926.5500617,
      unit: 'bytes/s',
    });
    expect(bench(doc, 'BM_VectorPush').measures.latency?.value).toBeCloseTo(1563.401380583815, 6);
    expect(bench(doc, 'BM_VectorPush').measures.items).toEqual({ value: 648097189.0465648, unit: 'counter' });
    expect(bench(doc, 'BM_Sleepish').measures.latency?.value).toBeCloseTo(1002769.858974244, 3);
    expect(bench(doc, 'BM_Sleepish').measures.cpu_time?.value).toBeCloseTo(904977.769230769, 3);
    expect(bench(doc, 'BM_Sleepish_s').measures.latency?.value).toBeCloseTo(949607.844155672, 3);
  });
  it('merges repetitions and takes the mean, median and stddev aggregates', () => {
    const doc = parse('google-benchmark', 'repetitions.json');
    expect(doc.benchmarks.map((b) => b.name)).not.toContain('BM_StringCopy/8_mean');
    const b = bench(doc, 'BM_StringCopy/8');
    expect(b.measures.latency?.samples).toEqual([6.85332514558031, 6.0958091300586155, 7.251205135436302]);
    expect(b.measures.latency?.value).toBeCloseTo(6.733446470358409, 12);
    expect(b.measures.latency_median?.value).toBeCloseTo(6.853325145580311, 12);
    expect(b.measures.latency_stddev?.value).toBeCloseTo(0.5869524298360076, 12);
  });
});

describe('pytest-benchmark', () => {
  it('takes mean, min/max, ops and the raw data in ns', () => {
    const raw = JSON.parse(readFixture('pytest-benchmark', 'fib-sorted.json'));
    const doc = parse('pytest-benchmark', 'fib-sorted.json');
    const st = raw.benchmarks[0].stats;
    const b = bench(doc, 'test_bench.py::test_fib');
    expect(b.measures.latency?.value).toBeCloseTo(st.mean * 1e9, 3);
    expect(b.measures.latency?.lower).toBeCloseTo(st.min * 1e9, 3);
    expect(b.measures.latency?.samples).toHaveLength(st.data.length);
    expect(b.measures.latency?.samples?.[0]).toBeCloseTo(st.data[0] * 1e9, 3);
    expect(b.measures.throughput).toEqual({ value: st.ops, unit: 'ops/s' });
    expect(b.measures.latency_median?.value).toBeCloseTo(st.median * 1e9, 3);
  });
});

describe('go-bench', () => {
  it('reads -benchmem, MB/s, -count rows, sub-benchmarks and packages', () => {
    const doc = parse('go-bench', 'two-packages-count3.txt');
    const sha = bench(doc, 'BenchmarkSha256', { gomaxprocs: '2', pkg: 'example.com/gob/hashing' });
    expect(sha.measures.latency?.samples).toEqual([3773, 4863, 5651]);
    expect(sha.measures.latency?.value).toBeCloseTo((3773 + 4863 + 5651) / 3, 9);
    expect(sha.measures.latency?.lower).toBe(3773);
    expect(sha.measures.latency?.upper).toBe(5651);
    expect(sha.measures.bytes_per_second?.samples).toEqual([271.44e6, 210.56e6, 181.22e6]);
    expect(sha.measures.alloc_bytes?.value).toBe(0);
    const alloc = bench(doc, 'BenchmarkAlloc');
    expect(alloc.measures.latency?.samples).toEqual([33.78, 60.76, 38.68]);
    expect(alloc.measures.alloc_bytes?.value).toBe(64);
    expect(alloc.measures.allocs).toMatchObject({ value: 1, unit: 'allocs/op' });
    const sort = bench(doc, 'BenchmarkSort/n=100', { gomaxprocs: '2', pkg: 'example.com/gob/sorting' });
    expect(sort.measures.latency?.samples).toEqual([1227, 2266, 2000]);
  });
  it('keeps -cpu 1 (no suffix) and -cpu 2 apart', () => {
    const doc = parse('go-bench', 'cpu-1-2.txt');
    expect(bench(doc, 'BenchmarkSha256', { pkg: 'example.com/gob/hashing' }).measures.latency?.value).toBe(
      7814,
    );
    expect(
      bench(doc, 'BenchmarkSha256', { gomaxprocs: '2', pkg: 'example.com/gob/hashing' }).measures.latency
        ?.value,
    ).toBe(7966);
    expect(
      bench(doc, 'BenchmarkAlloc', { gomaxprocs: '2', pkg: 'example.com/gob/hashing' }).measures.latency
        ?.value,
    ).toBe(162);
  });
  it('fails on a FAIL line and on a broken result line with its position', () => {
    const text = readFixture('go-bench', 'cpu-1-2.txt');
    expect(() => parseResults(`${text}FAIL\texample.com/x\t0.1s\n`, { source: 'go.txt' })).toThrow(
      /go.txt:11:1: go-bench format: go test reported a failure/,
    );
    expect(() => parseResults(text.replace('7814 ns/op', '7x14 ns/op'), { source: 'go.txt' })).toThrow(
      'go.txt:5:37: go-bench format: ns/op: expected a non-negative number, got "7x14"',
    );
  });
});

describe('benchmarkjs', () => {
  it('reads ops/sec with the margin of error', () => {
    const doc = parse('benchmarkjs', 'suite.txt');
    const t = bench(doc, 'RegExp#test').measures.throughput;
    expect(t?.value).toBe(38341783);
    expect(t?.lower).toBeCloseTo(38341783 * (1 - 0.0228), 3);
    expect(t?.upper).toBeCloseTo(38341783 * 1.0228, 3);
    expect(bench(doc, 'Array#join (slow)').measures.throughput?.value).toBe(24694);
  });
});

describe('vitest-bench', () => {
  it('reads hz and ms times', () => {
    const raw = JSON.parse(readFixture('vitest-bench', 'sort.json'));
    const r = raw.files[0].groups[0].benchmarks[0];
    const doc = parse('vitest-bench', 'sort.json');
    const b = bench(doc, 'sort.bench.js > sort > normal');
    expect(b.measures.throughput?.value).toBe(r.hz);
    expect(b.measures.latency?.value).toBeCloseTo(r.mean * 1e6, 6);
    expect(b.measures.latency?.upper).toBeCloseTo(r.max * 1e6, 6);
  });
});

describe('cargo-bench', () => {
  it('reads ns/iter with the spread', () => {
    const doc = parse('cargo-bench', 'fib.txt');
    const b = bench(doc, 'tests::bench_fib_20').measures.latency;
    expect(b).toMatchObject({ value: 24215.02, unit: 'ns' });
    expect(b?.lower).toBeCloseTo(24215.02 - 15152.79, 6);
    expect(b?.upper).toBeCloseTo(24215.02 + 15152.79, 6);
  });
  it('reads names with spaces and MB/s (Criterion --output-format bencher)', () => {
    const doc = parse('cargo-bench', 'criterion-bencher.txt');
    expect(bench(doc, 'Create Realm').measures.latency?.value).toBe(412);
    expect(bench(doc, 'Fibonacci (Execution)').measures.bytes_per_second?.value).toBe(517e6);
  });
});

describe('criterion', () => {
  it('converts µs, us, s, ns and ps and reads throughput', () => {
    const doc = parse('criterion', 'fib.txt');
    expect(bench(doc, 'fib 20').measures.latency).toMatchObject({
      value: 20538,
      lower: 20412,
      upper: 20689,
      unit: 'ns',
    });
    const p = bench(doc, 'parse/throughput/4096');
    expect(p.measures.latency?.value).toBeCloseTo(1830.2, 6);
    expect(p.measures.bytes_per_second?.value).toBeCloseTo(2.0843 * 1024 ** 3, 0);
    const slow = bench(doc, 'a_rather_long_benchmark_name_that_does_not_fit/slow');
    expect(slow.measures.latency?.value).toBeCloseTo(1.2154e9, 0);
    expect(slow.measures.throughput?.value).toBeCloseTo(822.77, 6);
    expect(bench(doc, 'sort/std/1000').measures.latency?.value).toBeCloseTo(915.1, 6);
    expect(bench(doc, 'noop').measures.latency?.value).toBeCloseTo(0.04487, 9);
  });
});

describe('catch2', () => {
  it('reads the v2 table recorded here', () => {
    const doc = parse('catch2', 'fibonacci.txt');
    expect(bench(doc, 'Fibonacci 10').measures.latency).toMatchObject({
      value: 86.7549,
      lower: 85.9194,
      upper: 89.9664,
    });
    expect(bench(doc, 'Fibonacci 20').measures.latency?.value).toBeCloseTo(13635.9, 6);
    expect(bench(doc, 'Fibonacci 20').measures.latency_stddev?.value).toBeCloseTo(1024.92, 6);
  });
  it('reads the v3 table and fails on a truncated row', () => {
    const doc = parse('catch2', 'v3-shape.txt');
    expect(bench(doc, 'Fibonacci 25').measures.latency?.value).toBeCloseTo(541027, 3);
    const text = readFixture('catch2', 'v3-shape.txt');
    const cut = text.slice(0, text.indexOf('541.027'));
    expect(() => parseResults(cut, { source: 'c.txt' })).toThrow(/c.txt:21:1: catch2 format: expected three/);
  });
});

describe('jmh', () => {
  it('maps thrpt to throughput and us/op to latency ns', () => {
    const doc = parse('jmh', 'jmh.json');
    const hello = bench(doc, 'org.example.MyBench.hello', { mode: 'thrpt' });
    expect(hello.measures.throughput).toMatchObject({
      value: 2.5e9,
      lower: 2.4e9,
      upper: 2.6e9,
      unit: 'ops/s',
    });
    expect(hello.measures.throughput?.samples).toHaveLength(6);
    const p = bench(doc, 'org.example.MyBench.parse', { mode: 'avgt', size: '1024' });
    expect(p.measures.latency).toEqual({ value: 12500, unit: 'ns', samples: [12000, 13000] });
    expect(p.measures['gc.alloc.rate']).toEqual({ value: 1532.25, unit: 'MB/sec' });
  });
});

describe('benchmarkdotnet', () => {
  it('reads statistics, the confidence interval, params and allocations', () => {
    const doc = parse('benchmarkdotnet', 'report-full.json');
    const b = bench(doc, 'Sample.Benchmarks.HashBench.Sha256', { N: '1000' });
    expect(b.measures.latency).toMatchObject({
      value: 4139.875,
      lower: 3989.675,
      upper: 4290.075,
      samples: [4100.5, 4150.25, 4098.75, 4210],
    });
    expect(b.measures.alloc_bytes?.value).toBe(112);
    expect(
      bench(doc, 'Sample.Benchmarks.HashBench.Md5', { N: '1000', Mode: 'fast' }).measures.latency_median
        ?.value,
    ).toBe(2020);
  });
});

describe('bmf', () => {
  it('maps built-in measures', () => {
    const doc = parse('bmf', 'bmf.json');
    expect(bench(doc, 'bench_adder').measures.latency).toEqual({
      value: 3.5,
      lower: 3.1,
      upper: 4.2,
      unit: 'ns',
    });
    expect(bench(doc, 'my binary').measures.file_size).toEqual({ value: 1048576, unit: 'bytes' });
    expect(bench(doc, 'my binary').measures['queue-depth']).toEqual({ value: 7, upper: 9, unit: 'unknown' });
  });
});

describe('github-action-benchmark', () => {
  it('converts time units and ranges', () => {
    const doc = parse('github-action-benchmark', 'smaller-is-better.json');
    expect(bench(doc, 'Request latency').measures.latency).toEqual({
      value: 12.5e6,
      lower: 11e6,
      upper: 14e6,
      unit: 'ns',
    });
    expect(bench(doc, 'Cold start').measures.latency?.value).toBe(1.75e9);
    expect(bench(doc, 'Handler').measures.latency).toMatchObject({ value: 250e3, lower: 240e3 });
    expect(bench(doc, 'No instrumentation').measures.latency?.upper).toBe(88.625);
  });
  it('keeps ops/sec and free units', () => {
    const doc = parse('github-action-benchmark', 'bigger-is-better.json');
    expect(bench(doc, 'Requests').measures.throughput?.value).toBe(15230.5);
    expect(bench(doc, 'Cache hit rate').measures.value).toEqual({ value: 97.5, unit: 'Percent' });
  });
});
