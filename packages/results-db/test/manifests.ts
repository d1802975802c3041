import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type CommitInfo, RunManifest } from '@benchrunner/core';
import { createNormal } from '@benchrunner/results';

export interface RunSpec {
  id: string;
  startedAt: string;
  /** With a commit: the manifest records a target on `branch`. */
  commit?: CommitInfo;
  branch?: string;
  /** Without a commit: the request's commit string and tag. */
  requestCommit?: string;
  tag?: string;
  minion?: string;
  /** Latency samples of `add file` on One4MBFile (ns). */
  samples: number[];
}

/** A finished run's manifest as the pipeline writes it, validated by the real schema. */
export function manifest(spec: RunSpec): RunManifest {
  const minion = spec.minion ?? 'local';
  const sum = spec.samples.reduce((a, b) => a + b, 0);
  return RunManifest.parse({
    id: spec.id,
    request: {
      commit: spec.commit?.sha ?? spec.requestCommit ?? 'main',
      benchmarks: [],
      profile: false,
      minion,
      ...(spec.tag ? { tag: spec.tag } : {}),
      priority: 'ci',
      trigger: { kind: 'api', detail: {} },
    },
    minion,
    state: 'completed',
    attempt: 1,
    startedAt: spec.startedAt,
    finishedAt: new Date(Date.parse(spec.startedAt) + 60_000).toISOString(),
    durationMs: 60_000,
    suite: { file: 'suite.yaml', hash: 'h1', project: 'demo' },
    ...(spec.commit
      ? {
          target: {
            repository: 'https://example.org/demo.git',
            ref: spec.branch ?? 'main',
            branch: spec.branch ?? 'main',
            commit: spec.commit,
          },
        }
      : {}),
    steps: [],
    environment: { node: 'v20.20.2', cpus: '2' },
    benchmarks: [
      { name: 'add', status: 'passed', exitCode: 0, durationMs: 1000, repeats: spec.samples.length },
    ],
    profiles: [],
    results: [
      {
        benchmark: 'add',
        format: 'benchrunner',
        benchmarks: [
          {
            name: 'add file',
            params: { fileSet: 'One4MBFile' },
            measures: {
              latency: { value: sum / spec.samples.length, unit: 'ns', samples: spec.samples },
              memory: { value: 1_048_576, unit: 'bytes' },
            },
          },
          {
            name: 'add file',
            params: { fileSet: 'OneKBFile' },
            measures: { latency: { value: 1000, lower: 900, upper: 1100, unit: 'ns' } },
          },
        ],
      },
    ],
  });
}

/** Writes a run folder of the archive: `<root>/<id>/manifest.json`, and a CID receipt when given. */
export async function archiveRun(root: string, run: RunManifest, cid?: string): Promise<void> {
  await mkdir(path.join(root, run.id), { recursive: true });
  await writeFile(path.join(root, run.id, 'manifest.json'), JSON.stringify(run));
  if (cid) {
    await writeFile(
      path.join(root, `${run.id}.publish.json`),
      JSON.stringify({ artifacts: { store: 'car', cid, at: run.finishedAt }, errors: {} }),
    );
  }
}

/** Ten latency samples around a level with 2 % noise, from a generator seeded with `seed`. */
export function noisySamples(seed: number): (level: number) => number[] {
  const normal = createNormal(seed);
  return (level) => Array.from({ length: 10 }, () => level * (1 + normal(0, 0.02)));
}
