import type { RunManifest, RunSummary } from '@benchrunner/core';

/** The job's return value: the manifest's headline figures. */
export function summarize(manifest: RunManifest, archiveDir: string): RunSummary {
  return {
    state: manifest.state,
    archive: archiveDir,
    durationMs: manifest.durationMs ?? 0,
    benchmarks: manifest.benchmarks.map((b) => {
      const doc = manifest.results.find((r) => r.benchmark === b.name);
      const measures: Record<string, { value: number; unit: string }> = {};
      for (const entry of doc?.benchmarks ?? []) {
        for (const [measure, m] of Object.entries(entry.measures)) {
          const params = Object.entries(entry.params)
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
          const key = [entry.name === b.name ? '' : entry.name, params, measure].filter(Boolean).join(' ');
          measures[key] = { value: m.value, unit: m.unit };
        }
      }
      return { name: b.name, status: b.status, measures };
    }),
    profiles: manifest.profiles.filter((p) => p.status === 'ok').length,
    failed: manifest.benchmarks.filter((b) => b.status !== 'passed').length,
    ...(manifest.noisy !== undefined ? { noisy: manifest.noisy } : {}),
  };
}
