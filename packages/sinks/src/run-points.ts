import type { RunManifest } from '@benchrunner/core';
import type { MetricPoint, MetricValue } from './metrics-sink.ts';

/** Measurement of one point per benchmark result (case and params) of a run. */
export const BENCHMARK_MEASUREMENT = 'benchmark';
/** Measurement of one point per run, for annotations and the latest-run lookup. */
export const RUN_MEASUREMENT = 'run';

/** Tags every point carries (params add their own). */
const RUN_TAGS = ['project', 'minion', 'branch', 'trigger', 'priority'] as const;
const RESERVED_TAGS = new Set<string>([...RUN_TAGS, 'benchmark', 'case', 'time']);
/** Fields every benchmark point carries; a measure of the same name is written as `measure_<name>`. */
const RUN_FIELDS = new Set(['commit', 'run', 'cid', 'version', 'time']);
/** Suffixes of a measure's companion fields. */
export const MEASURE_SUFFIXES = ['lower', 'upper', 'samples', 'unit'] as const;

export interface RunPointsOptions {
  /** Root CID of the run's archive, once an artifact store gave one. */
  cid?: string;
  /** More tags on every point, e.g. `{ environment: 'lab' }`. Keep them bounded. */
  extraTags?: Record<string, string>;
  /** Overrides the version (otherwise `environment.version` of the manifest, when present). */
  version?: string;
}

/** The branch of a run: its tag, else the trigger's ref or branch (without `refs/heads/`). */
export function runBranch(manifest: RunManifest): string | undefined {
  const detail = manifest.request.trigger.detail;
  const raw = manifest.request.tag ?? detail.branch ?? detail.ref;
  return raw?.replace(/^refs\/heads\//, '') || undefined;
}

/**
 * Turns a run manifest into points: one `benchmark` point per result (tags: benchmark, case,
 * params, project, minion, branch, trigger, priority; fields: one per measure plus
 * `<measure>_lower/_upper/_samples/_unit`, commit, run, cid, version) and one `run` point.
 * Every timestamp derives from the run's `startedAt`, so publishing the same run again
 * overwrites the same points instead of adding new ones.
 */
export function runPoints(manifest: RunManifest, options: RunPointsOptions = {}): MetricPoint[] {
  const startNs = BigInt(Date.parse(manifest.startedAt)) * 1_000_000n;
  const branch = runBranch(manifest);
  const common: Record<string, string> = {
    ...options.extraTags,
    project: manifest.suite.project,
    minion: manifest.minion,
    trigger: manifest.request.trigger.kind,
    priority: manifest.request.priority,
  };
  if (branch) common.branch = branch;
  const runFields: Record<string, MetricValue> = { commit: manifest.request.commit, run: manifest.id };
  if (options.cid) runFields.cid = options.cid;
  const version = options.version ?? manifest.environment.version;
  if (version) runFields.version = version;

  const points: MetricPoint[] = [];
  // Points of one run that share a series (same tags) would overwrite each other at one
  // timestamp; the n-th such point is moved n nanoseconds later, which is deterministic too.
  const seen = new Map<string, bigint>();
  for (const doc of manifest.results) {
    for (const result of doc.benchmarks) {
      const tags: Record<string, string> = { ...common, benchmark: doc.benchmark, case: result.name };
      for (const [key, value] of Object.entries(result.params)) {
        tags[RESERVED_TAGS.has(key) ? `param_${key}` : key] = value;
      }
      const fields: Record<string, MetricValue> = { ...runFields };
      for (const [measure, m] of Object.entries(result.measures)) {
        const name = RUN_FIELDS.has(measure) ? `measure_${measure}` : measure;
        fields[name] = m.value;
        if (m.lower !== undefined) fields[`${name}_lower`] = m.lower;
        if (m.upper !== undefined) fields[`${name}_upper`] = m.upper;
        if (m.samples !== undefined) fields[`${name}_samples`] = BigInt(m.samples.length);
        fields[`${name}_unit`] = m.unit;
      }
      const key = seriesKey(BENCHMARK_MEASUREMENT, tags);
      const offset = seen.get(key) ?? 0n;
      seen.set(key, offset + 1n);
      points.push({ measurement: BENCHMARK_MEASUREMENT, tags, fields, timestamp: startNs + offset });
    }
  }

  const runPoint: Record<string, MetricValue> = {
    ...runFields,
    benchmarks: BigInt(manifest.benchmarks.length),
    failed: BigInt(manifest.benchmarks.filter((b) => b.status !== 'passed').length),
    results: BigInt(points.length),
    state: manifest.state,
  };
  if (manifest.durationMs !== undefined) runPoint.duration_ms = manifest.durationMs;
  points.push({
    measurement: RUN_MEASUREMENT,
    tags: common,
    fields: runPoint,
    timestamp: startNs,
  });
  return points;
}

function seriesKey(measurement: string, tags: Record<string, string>): string {
  return JSON.stringify([measurement, Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}
