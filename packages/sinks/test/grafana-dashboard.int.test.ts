// Runs every query of infrastructure/grafana/dashboards/benchmarks.json (panels, annotations and
// template variables), with the variables filled in the way Grafana's InfluxQL data source does,
// against a real influxd that received real runs through InfluxMetricsSink.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Influxd, type InfluxStatementResult, startInfluxd } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxMetricsSink } from '../src/influx-metrics-sink.ts';
import { runPoints } from '../src/run-points.ts';
import { sampleManifest } from './sample-run.ts';

const GRAFANA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../infrastructure/grafana');

interface Variable {
  name: string;
  type: string;
  query?: string;
  regex?: string;
  multi?: boolean;
  includeAll?: boolean;
  datasource?: { uid: string };
}
interface Target {
  query: string;
  rawQuery: boolean;
  datasource: { uid: string };
}
interface Dashboard {
  templating: { list: Variable[] };
  annotations: { list: { name: string; query?: string; datasource: { uid: string } }[] };
  panels: { title: string; type: string; repeat?: string; targets: Target[]; datasource: { uid: string } }[];
}

let influxd: Influxd;
let dashboard: Dashboard;
const older = sampleManifest({ id: 'run-older', startedAt: '2026-01-01T03:00:00.000Z', commit: 'aaaaaaa' });
const newer = sampleManifest({ id: 'run-newer', startedAt: '2026-01-02T03:00:00.000Z', commit: 'bbbbbbb' });
const feature = sampleManifest({
  id: 'run-feature',
  startedAt: '2026-01-03T03:00:00.000Z',
  tag: 'feature-x',
});
feature.request.priority = 'manual';
feature.request.trigger = { kind: 'api', detail: {} };

beforeAll(async () => {
  dashboard = JSON.parse(
    await readFile(path.join(GRAFANA, 'dashboards/benchmarks.json'), 'utf8'),
  ) as Dashboard;
  influxd = await startInfluxd({ databases: ['benchmarks'] });
  const sink = new InfluxMetricsSink({ api: 'v1', url: influxd.url, database: 'benchmarks' });
  for (const m of [older, newer, feature])
    await sink.write(runPoints(m, { cid: `bafy${m.id.replaceAll('-', '')}` }));
});
afterAll(async () => {
  await influxd?.stop();
});

const escapeRegex = (s: string) => s.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

/** Grafana's InfluxQL interpolation: multi/all variables become an escaped regex group. */
function interpolate(query: string, values: Record<string, string[]>): string {
  const byName = new Map(dashboard.templating.list.map((v) => [v.name, v]));
  const filled = query
    .replaceAll('$timeFilter', "time >= '2025-12-01T00:00:00Z' AND time <= '2026-02-01T00:00:00Z'")
    .replace(/\$\{(\w+)\}|\[\[(\w+)\]\]|\$(\w+)/g, (whole, a?: string, b?: string, c?: string) => {
      const name = (a ?? b ?? c) as string;
      const variable = byName.get(name);
      const value = values[name];
      if (!variable || !value) return whole;
      if (!variable.multi && !variable.includeAll) return value[0] ?? '';
      const escaped = value.map(escapeRegex);
      return escaped.length === 1 ? (escaped[0] as string) : `(${escaped.join('|')})`;
    });
  expect(filled, `unfilled variable in ${filled}`).not.toMatch(/\$\w|\[\[/);
  return filled;
}

async function run(query: string): Promise<InfluxStatementResult> {
  const [result] = await influxd.query(query, 'benchmarks');
  if (!result) throw new Error(`no result for ${query}`);
  return result;
}

/** What Grafana lists for a query variable: the second column, the first for SHOW FIELD/RETENTION. */
function variableValues(query: string, result: InfluxStatementResult, regex?: string): string[] {
  const valueFirst = /SHOW (FIELD|RETENTION)/.test(query);
  const values = (result.series ?? []).flatMap((s) =>
    s.values.map((row) => String(valueFirst || row.length < 2 ? row[0] : row[1])),
  );
  const pattern = regex ? new RegExp(regex.slice(1, regex.lastIndexOf('/'))) : undefined;
  return [...new Set(values)].filter((v) => !pattern || pattern.test(v)).sort();
}

const selection: Record<string, string[]> = {
  project: ['js-ipfs'],
  benchmark: ['add', 'cat'],
  file_set: ['One4MBFile'],
  minion: ['minion-1'],
  branch: ['main'],
  nightly: ['/^nightly$/'],
  gateway: ['https://ipfs.io'],
  repository: ['https://github.com/ipfs/js-ipfs'],
};

describe('Grafana dashboard queries against InfluxDB', () => {
  it('points every panel, target and annotation at the provisioned data source', async () => {
    const provisioning = await readFile(path.join(GRAFANA, 'provisioning/datasources/influxdb.yaml'), 'utf8');
    expect(provisioning).toContain('uid: benchrunner-influxdb');
    const uids = [
      ...dashboard.panels.flatMap((p) => [p.datasource.uid, ...p.targets.map((t) => t.datasource.uid)]),
      ...dashboard.annotations.list.filter((a) => a.query).map((a) => a.datasource.uid),
      ...dashboard.templating.list.filter((v) => v.type === 'query').map((v) => v.datasource?.uid),
    ];
    expect(new Set(uids)).toEqual(new Set(['benchrunner-influxdb']));
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(
      expect.arrayContaining(['benchmark', 'file_set', 'minion', 'branch', 'measure', 'nightly', 'gateway']),
    );
  });

  it('fills every template variable from its own query', async () => {
    const got: Record<string, string[]> = {};
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
      const query = interpolate(v.query as string, { ...selection, ...got });
      got[v.name] = variableValues(query, await run(query), v.regex);
    }
    expect(got).toEqual({
      project: ['js-ipfs'],
      benchmark: ['add', 'cat'],
      file_set: ['One4MBFile', 'OneHundred1MBFiles'],
      minion: ['minion-1'],
      branch: ['feature-x', 'main'],
      measure: ['latency', 'memory', 'throughput'],
      latest_run: ['run-newer'],
    });
  });

  it('returns one series per case in the time series of each measure, with commit and CID for the links', async () => {
    const panel = dashboard.panels.find((p) => p.repeat === 'measure');
    const query = panel?.targets[0]?.query as string;
    const expected: Record<string, [string, number][]> = {
      latency: [['add file', 10_543_000]],
      memory: [['add file', 52_428_800]],
      throughput: [['cat, "quoted" = yes', 1234.5]],
    };
    for (const [measure, cases] of Object.entries(expected)) {
      const result = await run(interpolate(query, { ...selection, measure: [measure] }));
      const series = result.series ?? [];
      expect(series.map((s) => [s.tags?.case, s.tags?.file_set])).toEqual(
        cases.map(([c]) => [c, 'One4MBFile']),
      );
      for (const s of series) {
        expect(s.columns).toEqual(['time', 'value', 'commit', 'run', 'cid']);
        // Nightly only: the two main-branch runs, not the manual feature run.
        expect(s.values.map((row) => row[3])).toEqual(['run-older', 'run-newer']);
        expect(s.values.map((row) => row[1])).toEqual([cases[0]?.[1], cases[0]?.[1]]);
        expect(s.values.map((row) => row[4])).toEqual(['bafyrunolder', 'bafyrunnewer']);
      }
    }
    // "All runs" brings the feature branch run back when its branch is selected.
    const all = await run(
      interpolate(query, {
        ...selection,
        measure: ['latency'],
        branch: ['main', 'feature-x'],
        nightly: ['/.*/'],
      }),
    );
    expect(all.series?.[0]?.values.map((row) => row[3])).toEqual(['run-older', 'run-newer', 'run-feature']);
  });

  it('lists the latest run in the table and every run in the runs panel and annotations', async () => {
    const [, latest, runs] = dashboard.panels;
    const table = await run(
      interpolate(latest?.targets[0]?.query as string, { ...selection, latest_run: ['run-newer'] }),
    );
    const rows = table.series?.[0];
    expect(rows?.values).toHaveLength(3);
    const runCol = rows?.columns.indexOf('run') ?? -1;
    expect(new Set(rows?.values.map((r) => r[runCol]))).toEqual(new Set(['run-newer']));
    expect(rows?.columns).toEqual(
      expect.arrayContaining(['benchmark', 'case', 'file_set', 'latency', 'throughput', 'cid']),
    );

    const runRows = await run(interpolate(runs?.targets[0]?.query as string, selection));
    expect(runRows.series?.flatMap((s) => s.values.map((r) => r[1]))).toEqual(['run-older', 'run-newer']);

    for (const annotation of dashboard.annotations.list.filter((a) => a.query)) {
      const result = await run(
        interpolate(annotation.query as string, {
          ...selection,
          nightly: ['/.*/'],
          branch: ['main', 'feature-x'],
        }),
      );
      expect(result.series?.[0]?.values.map((r) => r[1])).toEqual(['run-older', 'run-newer', 'run-feature']);
    }
  });
});
