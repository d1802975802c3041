import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RunManifest } from '@benchrunner/core';

/** A run manifest as the pipeline writes it, validated by the real schema. */
export function sampleManifest(
  overrides: { id?: string; startedAt?: string; commit?: string; tag?: string } = {},
): RunManifest {
  return RunManifest.parse({
    id: overrides.id ?? 'run-2026-01-01-abc123',
    request: {
      commit: overrides.commit ?? '0123456789abcdef0123456789abcdef01234567',
      benchmarks: [],
      profile: false,
      minion: 'minion-1',
      tag: overrides.tag ?? 'main',
      priority: 'nightly',
      trigger: { kind: 'schedule', detail: { scheduler: 'nightly' } },
    },
    minion: 'minion-1',
    state: 'completed',
    attempt: 1,
    startedAt: overrides.startedAt ?? '2026-01-01T03:00:00.123Z',
    finishedAt: '2026-01-01T03:10:00.000Z',
    durationMs: 599_877,
    suite: { file: 'suite.yaml', hash: 'abc', project: 'js-ipfs' },
    steps: [],
    environment: { version: '0.66.1', node: 'v20.20.2' },
    benchmarks: [
      { name: 'add', status: 'passed', exitCode: 0, durationMs: 1000, repeats: 3 },
      { name: 'cat', status: 'passed', exitCode: 0, durationMs: 1000, repeats: 3 },
    ],
    profiles: [],
    results: [
      {
        benchmark: 'add',
        format: 'hyperfine',
        benchmarks: [
          {
            name: 'add file',
            params: { file_set: 'One4MBFile' },
            measures: {
              latency: {
                value: 10_543_000,
                lower: 10_100_000,
                upper: 11_200_000,
                unit: 'ns',
                samples: [10_400_000, 10_600_000, 10_629_000],
              },
              memory: { value: 52_428_800, unit: 'bytes' },
            },
          },
          {
            name: 'add file',
            params: { file_set: 'OneHundred1MBFiles' },
            measures: { latency: { value: 210_000_000.5, unit: 'ns' } },
          },
        ],
      },
      {
        benchmark: 'cat',
        format: 'benchmarkjs',
        benchmarks: [
          {
            name: 'cat, "quoted" = yes',
            params: { file_set: 'One4MBFile' },
            measures: { throughput: { value: 1234.5, unit: 'ops/s' } },
          },
        ],
      },
    ],
  });
}

/** Writes a small run folder (manifest, results, a nested binary file, an empty folder). */
export async function writeRunFolder(
  dir: string,
  manifest: RunManifest,
  binaryBytes = 1_500_000,
): Promise<void> {
  await mkdir(path.join(dir, 'results'), { recursive: true });
  await mkdir(path.join(dir, 'profiles', 'add'), { recursive: true });
  await mkdir(path.join(dir, 'empty'), { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  await writeFile(path.join(dir, 'results', 'add.json'), JSON.stringify(manifest.results[0]));
  const binary = Buffer.alloc(binaryBytes);
  for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919) % 251;
  await writeFile(path.join(dir, 'profiles', 'add', 'flame.tar.gz'), binary);
}
