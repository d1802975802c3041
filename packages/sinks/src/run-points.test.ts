import { describe, expect, it } from 'vitest';
import { sampleManifest } from '../test/sample-run.ts';
import { toLine } from './influx-metrics-sink.ts';
import { BENCHMARK_MEASUREMENT, RUN_MEASUREMENT, runBranch, runPoints } from './run-points.ts';

describe('runPoints', () => {
  const manifest = sampleManifest();
  const points = runPoints(manifest, { cid: 'bafyroot', extraTags: { lab: 'berlin' } });
  const startNs = BigInt(Date.parse(manifest.startedAt)) * 1_000_000n;

  it('makes one point per result and one run point', () => {
    expect(points.filter((p) => p.measurement === BENCHMARK_MEASUREMENT)).toHaveLength(3);
    expect(points.filter((p) => p.measurement === RUN_MEASUREMENT)).toHaveLength(1);
  });

  it('puts bounded values in tags and the rest in fields', () => {
    const first = points[0];
    expect(first?.tags).toEqual({
      lab: 'berlin',
      project: 'js-ipfs',
      minion: 'minion-1',
      branch: 'main',
      trigger: 'schedule',
      priority: 'nightly',
      benchmark: 'add',
      case: 'add file',
      file_set: 'One4MBFile',
    });
    expect(first?.fields).toEqual({
      commit: manifest.request.commit,
      run: manifest.id,
      cid: 'bafyroot',
      version: '0.66.1',
      latency: 10_543_000,
      latency_lower: 10_100_000,
      latency_upper: 11_200_000,
      latency_samples: 3n,
      latency_unit: 'ns',
      memory: 52_428_800,
      memory_unit: 'bytes',
    });
  });

  it('derives every timestamp from startedAt, so a second call gives the same points', () => {
    expect(points.every((p) => p.timestamp === startNs)).toBe(true);
    expect(runPoints(manifest, { cid: 'bafyroot', extraTags: { lab: 'berlin' } })).toEqual(points);
  });

  it('moves points of the same series apart by one nanosecond each', () => {
    const twice = sampleManifest();
    const doc = twice.results[0];
    if (!doc?.benchmarks[0]) throw new Error('sample changed');
    doc.benchmarks.push(structuredClone(doc.benchmarks[0]));
    const times = runPoints(twice)
      .filter((p) => p.tags.case === 'add file' && p.tags.file_set === 'One4MBFile')
      .map((p) => p.timestamp);
    expect(times).toEqual([startNs, startNs + 1n]);
  });

  it('renames params and measures that would clash with its own tags and fields', () => {
    const clash = sampleManifest();
    const bench = clash.results[0]?.benchmarks[0];
    if (!bench) throw new Error('sample changed');
    bench.params.minion = 'other';
    bench.measures.commit = { value: 1, unit: 'x' };
    const [point] = runPoints(clash);
    expect(point?.tags.minion).toBe('minion-1');
    expect(point?.tags.param_minion).toBe('other');
    expect(point?.fields.commit).toBe(clash.request.commit);
    expect(point?.fields.measure_commit).toBe(1);
  });

  it('leaves the cid out until there is one and counts failures on the run point', () => {
    const run = runPoints(manifest).at(-1);
    expect(run?.fields).toMatchObject({
      benchmarks: 2n,
      failed: 0n,
      results: 3n,
      state: 'completed',
      duration_ms: 599_877,
    });
    expect(run?.fields.cid).toBeUndefined();
  });

  it('writes line protocol with escaped tags and quoted string fields', () => {
    const line = toLine(points[2] as (typeof points)[number]);
    expect(line).toContain('case=cat\\,\\ "quoted"\\ \\=\\ yes');
    expect(line).toContain('throughput=1234.5');
    expect(line).toContain('throughput_unit="ops/s"');
    expect(line.endsWith(` ${startNs}`)).toBe(true);
  });
});

describe('runBranch', () => {
  it('prefers the tag, then the trigger ref without refs/heads/', () => {
    const m = sampleManifest();
    expect(runBranch(m)).toBe('main');
    m.request.tag = undefined;
    expect(runBranch(m)).toBeUndefined();
    m.request.trigger.detail.ref = 'refs/heads/feature/x';
    expect(runBranch(m)).toBe('feature/x');
  });
});
