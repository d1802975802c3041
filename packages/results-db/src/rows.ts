import { createHash } from 'node:crypto';
import { environmentFingerprint, type Measure, type RunManifest } from '@benchrunner/core';
import { describeSamples, measureDirection } from '@benchrunner/results';
import { runBranch } from '@benchrunner/sinks';
import { noiseColumns } from './noise-columns.ts';
import type { CommitTable, PointTable, RunTable, SeriesTable } from './schema.ts';

/** Everything one run adds to the database. */
export interface RunRows {
  run: RunTable;
  commit: CommitTable | null;
  series: SeriesTable[];
  points: PointTable[];
}

/** JSON with object keys sorted, so equal values give equal text. */
export function canonicalJson(value: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  );
}

function sha256(text: string, hexDigits: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, hexDigits);
}

/** The series key's identity: suite benchmark, result name, params, measure, minion, branch. */
export function seriesKey(parts: Omit<SeriesTable, 'key' | 'unit' | 'direction'>): string {
  return sha256(
    JSON.stringify([parts.benchmark, parts.result, parts.params, parts.measure, parts.minion, parts.branch]),
    32,
  );
}

/**
 * The rows of one run, read from its manifest alone (so a reindex from the archive gives the same
 * rows as the worker wrote). Commit metadata comes only from `manifest.target`; without one the run
 * keeps the request's commit string, the request's branch (tag or trigger branch) or '', and no
 * first-parent depth.
 */
export function runRows(manifest: RunManifest, options: { cid?: string } = {}): RunRows {
  const target = manifest.target;
  const branch = target?.branch ?? runBranch(manifest) ?? '';
  const run: RunTable = {
    id: manifest.id,
    project: manifest.suite.project,
    minion: manifest.minion,
    commit: target?.commit.sha ?? manifest.request.commit,
    branch,
    trigger: manifest.request.trigger.kind,
    priority: manifest.request.priority,
    pr_number: target?.pullRequest?.number ?? null,
    state: manifest.state,
    started_at: new Date(manifest.startedAt).toISOString(),
    finished_at: manifest.finishedAt ? new Date(manifest.finishedAt).toISOString() : null,
    duration_ms: manifest.durationMs ?? null,
    suite_hash: manifest.suite.hash,
    environment_fingerprint: environmentFingerprint(manifest.environment).hash,
    cid: options.cid ?? null,
    first_parent_depth: target?.commit.firstParentDepth ?? null,
    ...noiseColumns(manifest.noise, manifest.noisy),
    probe: manifest.request.probe ? JSON.stringify(manifest.request.probe) : null,
  };
  const commit: CommitTable | null = target
    ? {
        sha: target.commit.sha,
        repository: target.repository,
        parents: JSON.stringify(target.commit.parents),
        subject: target.commit.subject,
        author: target.commit.author,
        author_time: new Date(target.commit.authorTime).toISOString(),
        first_parent_depth: target.commit.firstParentDepth,
      }
    : null;

  const series = new Map<string, SeriesTable>();
  const points: PointTable[] = [];
  const seen = new Map<string, number>();
  for (const doc of manifest.results) {
    for (const result of doc.benchmarks) {
      const params = canonicalJson(result.params);
      for (const [measure, m] of Object.entries(result.measures)) {
        const parts = {
          benchmark: doc.benchmark,
          result: result.name,
          params,
          measure,
          minion: run.minion,
          branch,
        };
        const key = seriesKey(parts);
        if (!series.has(key)) {
          series.set(key, { key, ...parts, unit: m.unit, direction: measureDirection(measure) });
        }
        const seq = seen.get(key) ?? 0;
        seen.set(key, seq + 1);
        points.push({ series_key: key, run_id: run.id, seq, ...pointFigures(m) });
      }
    }
  }
  return { run, commit, series: [...series.values()], points };
}

/** Value, statistics of the samples (packages/results) and the median's interval of one measure. */
function pointFigures(m: Measure): Omit<PointTable, 'series_key' | 'run_id' | 'seq'> {
  const toolCi = { ci_lower: m.lower ?? null, ci_upper: m.upper ?? null, ci_level: null };
  if (!m.samples || m.samples.length === 0) {
    return { value: m.value, n: null, median: null, mean: null, stddev: null, ...toolCi, samples: null };
  }
  const stats = describeSamples(m.samples);
  return {
    value: m.value,
    n: stats.n,
    median: stats.median,
    mean: stats.mean,
    stddev: stats.stddev,
    ...(stats.medianCi
      ? {
          ci_lower: stats.medianCi.lower,
          ci_upper: stats.medianCi.upper,
          ci_level: stats.medianCi.confidence,
        }
      : toolCi),
    samples: JSON.stringify(m.samples),
  };
}
