// Runs every query of infrastructure/grafana/dashboards/benchmarks.json (panels, annotations and
// template variables), with the variables filled in the way Grafana's InfluxQL data source does,
// against a real influxd that received real runs through InfluxMetricsSink.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Influxd, type InfluxStatementResult, startInfluxd } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnnotatedChange, annotationPoints } from '../src/annotation-points.ts';
import { InfluxMetricsSink } from '../src/influx-metrics-sink.ts';
import { runPoints } from '../src/run-points.ts';
import { sampleManifest } from './sample-run.ts';

const GRAFANA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../infrastructure/grafana');

interface Variable {
  name: string;
  type: string;
  query?: string;
  regex?: string;
  sort?: number;
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
  annotations: {
    list: {
      name: string;
      query?: string;
      datasource: { uid: string };
      titleColumn?: string;
      textColumn?: string;
      tagsColumn?: string;
    }[];
  };
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
function interpolate(query: string, values: Record<string, (string | undefined)[]>): string {
  const byName = new Map(dashboard.templating.list.map((v) => [v.name, v]));
  const filled = query
    .replaceAll('$timeFilter', "time >= '2025-12-01T00:00:00Z' AND time <= '2026-02-01T00:00:00Z'")
    .replace(/\$\{(\w+)\}|\[\[(\w+)\]\]|\$(\w+)/g, (whole, a?: string, b?: string, c?: string) => {
      const name = (a ?? b ?? c) as string;
      const variable = byName.get(name);
      const value = values[name];
      if (!variable || !value) return whole;
      if (!variable.multi && !variable.includeAll) return value[0] ?? '';
      // An undefined option (see variableValues) is interpolated as Grafana prints it.
      const escaped = value.map((v) => escapeRegex(String(v)));
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

/**
 * What Grafana 11 lists for a query variable, ported from its code so that a regex that Grafana
 * reads differently from `RegExp.test` fails here too:
 * - the InfluxDB data source's ResponseParser.parse: the first column for SHOW FIELD KEYS and
 *   SHOW RETENTION POLICIES, else the second column when there is one, deduplicated;
 * - stringToJsRegex (@grafana/data): `/body/flags`, or a plain string anchored as `^...$`;
 * - metricNamesToVariableValues (grafana/scenes QueryVariable, public/app/features/variables):
 *   a value the regex does not match is dropped; named groups `value`/`text` win; else, when a
 *   match has any capture group, capture group 1 (even when it is undefined) is the value; else
 *   the whole value; then deduplicated by value and sorted (1: alphabetical, 2: reversed).
 */
function variableValues(
  variable: Variable,
  query: string,
  result: InfluxStatementResult,
): (string | undefined)[] {
  const normalized = query.toLowerCase();
  const valueFirst = normalized.includes('show field keys') || normalized.includes('show retention policies');
  const names = new Set<unknown>();
  for (const series of result.series ?? [])
    for (const row of series.values) names.add(valueFirst ? row[0] : row[1] !== undefined ? row[1] : row[0]);

  let regex: RegExp | undefined;
  if (variable.regex) {
    if (variable.regex[0] !== '/') regex = new RegExp(`^${variable.regex}$`);
    else {
      const parts = variable.regex.match(/^\/(.*?)\/(g?i?m?y?s?)$/);
      if (!parts) throw new Error(`'${variable.regex}' is not a valid regular expression.`);
      regex = new RegExp(parts[1] ?? '', parts[2]);
    }
  }
  const options: (string | undefined)[] = [];
  for (const name of names) {
    let value: string | undefined = typeof name === 'number' ? name.toString() : (name as string);
    if (regex && value !== undefined) {
      const matches: RegExpExecArray[] = [];
      regex.lastIndex = 0;
      let match: RegExpExecArray | null;
      do {
        match = regex.exec(value);
        if (match) matches.push(match);
      } while (regex.global && match && match[0] !== '' && match[0] !== undefined);
      if (matches.length === 0) continue;
      const valueGroup = matches.find((m) => m.groups?.value);
      const textGroup = matches.find((m) => m.groups?.text);
      const firstMatch = matches.find((m) => m.length > 1);
      if (valueGroup || textGroup) value = valueGroup?.groups?.value ?? textGroup?.groups?.text;
      else if (matches.length > 1 && firstMatch) {
        options.push(...matches.map((m) => m[1]));
        continue;
      } else if (firstMatch) value = firstMatch[1];
    }
    options.push(value);
  }
  const unique = [...new Set(options)];
  const sort = variable.sort ?? 0;
  if (sort > 2) throw new Error(`sort ${sort} of variable ${variable.name} is not ported here`);
  if (sort === 0) return unique;
  const sorted = unique.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  return sort === 2 ? sorted.reverse() : sorted;
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
    const got: Record<string, (string | undefined)[]> = {};
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
      const query = interpolate(v.query as string, { ...selection, ...got });
      got[v.name] = variableValues(v, query, await run(query));
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
    // One panel per option of $measure, as Grafana lists them: never a query of `SELECT ""`.
    const variable = dashboard.templating.list.find((v) => v.name === 'measure') as Variable;
    const measures = interpolate(variable.query as string, selection);
    expect(variableValues(variable, measures, await run(measures))).toEqual(Object.keys(expected));
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

    for (const annotation of dashboard.annotations.list.filter((a) => a.name === 'Runs')) {
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

describe('Grafana regression annotations', () => {
  const change = (id: string, over: Partial<AnnotatedChange> & { branch?: string }): AnnotatedChange => ({
    id,
    kind: 'regression',
    status: 'suspected',
    detector: 'change-point',
    change: 0.2,
    series: {
      benchmark: 'add',
      result: 'add file',
      measure: 'latency',
      unit: 'ms',
      minion: 'minion-1',
      branch: over.branch ?? 'main',
      params: { fileSet: 'One4MBFile' },
    },
    lastGood: { commit: 'aaaaaaa' },
    firstBad: { commit: 'bbbbbbb' },
    at: newer.startedAt,
    ...over,
  });

  it('shows the changes of the selected series, not noise, with a title, a text linking to the page and the status', async () => {
    const sink = new InfluxMetricsSink({ api: 'v1', url: influxd.url, database: 'benchmarks' });
    const pageUrl = (id: string) => `https://bench.example.org/regressions/${id}`;
    await sink.write(
      annotationPoints(
        [
          change('r-shown', {}),
          change('r-noise', { status: 'noise' }),
          change('r-elsewhere', { branch: 'feature-x' }),
        ],
        { pageUrl },
      ),
    );
    const annotation = dashboard.annotations.list.find((a) => a.name === 'Regressions');
    expect(annotation).toMatchObject({ titleColumn: 'title', textColumn: 'text', tagsColumn: 'status' });
    const result = await run(interpolate(annotation?.query as string, selection));
    const rows = result.series?.flatMap((s) => s.values) ?? [];
    expect(result.series?.[0]?.columns).toEqual(['time', 'title', 'text', 'status']);
    expect(rows).toHaveLength(1);
    const [time, title, text, status] = rows[0] ?? [];
    // At the first bad run's start: where its points are on the series panels.
    expect(time).toBe(Date.parse(newer.startedAt) * 1_000_000);
    expect(title).toBe('suspected regression +20.0 %: add latency');
    expect(text).toContain('<a href="https://bench.example.org/regressions/r-shown">');
    expect(status).toBe('suspected');
  });
});
