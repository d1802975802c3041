import { RunManifest } from '@benchrunner/core';

/**
 * A small run manifest, validated by the real schema: a finished, completed run without
 * benchmarks. `overrides` replace top-level fields; `finishedAt: undefined` makes a run still going.
 */
export function sampleManifest(overrides: Partial<RunManifest> = {}): RunManifest {
  const manifest = RunManifest.parse({
    id: 'rsample',
    request: {
      commit: 'abcdef1',
      benchmarks: [],
      profile: false,
      minion: 'local',
      priority: 'manual',
      trigger: { kind: 'api', detail: {} },
    },
    minion: 'local',
    state: 'completed',
    attempt: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    durationMs: 60_000,
    suite: { file: 'suite.yaml', hash: 'h', project: 'p' },
    steps: [],
    environment: {},
    benchmarks: [],
    profiles: [],
    results: [],
    ...overrides,
  });
  // An override of undefined leaves the field out; parse() would keep it as a key without a value.
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete (manifest as Record<string, unknown>)[key];
  }
  return manifest;
}
