import { ConfigError } from '@benchrunner/core';
import { freePort, type Influxd, startInfluxd } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRetryable, SinkRejectedError, SinkUnavailableError } from '../src/errors.ts';
import { InfluxMetricsSink } from '../src/influx-metrics-sink.ts';
import { runPoints } from '../src/run-points.ts';
import { sampleManifest } from './sample-run.ts';

const auth = { username: 'admin', password: 'p@ss word' };
let influxd: Influxd;

beforeAll(async () => {
  influxd = await startInfluxd({ auth, databases: ['bench', 'outage', 'twice'] });
});
afterAll(async () => {
  await influxd?.stop();
});

const sinkFor = (database: string, overrides: Partial<{ url: string; password: string }> = {}) =>
  new InfluxMetricsSink({
    api: 'v1',
    url: overrides.url ?? influxd.url,
    database,
    username: auth.username,
    password: overrides.password ?? auth.password,
  });

/** Rows of a query as objects keyed by column. */
async function rows(sql: string, db: string): Promise<Record<string, unknown>[]> {
  const [result] = await influxd.query(sql, db);
  return (result?.series ?? []).flatMap((s) =>
    s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))),
  );
}

describe('InfluxMetricsSink on /write (InfluxDB 1.6.7)', () => {
  const manifest = sampleManifest();
  const points = runPoints(manifest, { cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi' });

  it('passes the readiness check', async () => {
    await expect(sinkFor('bench').check()).resolves.toBeUndefined();
  });

  it('writes a run whose points read back with the same tags, fields and time', async () => {
    await expect(sinkFor('bench').write(points)).resolves.toEqual({ points: 4 });
    const got = await rows('SELECT * FROM "benchmark" ORDER BY time', 'bench');
    expect(got).toHaveLength(3);
    const startNs = Date.parse(manifest.startedAt) * 1e6;
    const first = got.find((r) => r.file_set === 'One4MBFile' && r.benchmark === 'add');
    expect(first).toMatchObject({
      time: startNs,
      benchmark: 'add',
      case: 'add file',
      project: 'js-ipfs',
      minion: 'minion-1',
      branch: 'main',
      trigger: 'schedule',
      priority: 'nightly',
      commit: manifest.request.commit,
      run: manifest.id,
      cid: points[0]?.fields.cid,
      version: '0.66.1',
      latency: 10_543_000,
      latency_lower: 10_100_000,
      latency_upper: 11_200_000,
      latency_samples: 3,
      latency_unit: 'ns',
      memory: 52_428_800,
    });
    const quoted = got.find((r) => r.benchmark === 'cat');
    expect(quoted).toMatchObject({ case: 'cat, "quoted" = yes', throughput: 1234.5 });
    const keys = await rows('SHOW TAG KEYS FROM "benchmark"', 'bench');
    expect(keys.map((k) => k.tagKey).sort()).toEqual(
      ['benchmark', 'branch', 'case', 'file_set', 'minion', 'priority', 'project', 'trigger'].sort(),
    );
    const run = await rows('SELECT * FROM "run"', 'bench');
    expect(run).toEqual([
      expect.objectContaining({ run: manifest.id, benchmarks: 2, failed: 0, state: 'completed' }),
    ]);
  });

  it('overwrites instead of duplicating when the same run is published twice', async () => {
    const sink = sinkFor('twice');
    await sink.write(points);
    await sink.write(runPoints(manifest, { cid: 'bafynewer' }));
    const got = await rows('SELECT count("run") AS n FROM "benchmark"', 'twice');
    expect(got[0]?.n).toBe(3);
    const cids = await rows('SELECT "cid" FROM "benchmark"', 'twice');
    expect(new Set(cids.map((r) => r.cid))).toEqual(new Set(['bafynewer']));
  });

  it('throws a retryable error while influxd is down, and after a restart every point arrives once', async () => {
    const sink = sinkFor('outage');
    await influxd.halt();
    try {
      const error = await sink.write(points).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SinkUnavailableError);
      expect(isRetryable(error)).toBe(true);
      expect((error as Error).message).toMatch(/cannot be reached: ECONNREFUSED/);
      await expect(sink.check()).rejects.toBeInstanceOf(SinkUnavailableError);
    } finally {
      await influxd.restart();
    }
    await sink.write(points);
    const got = await rows('SELECT count("run") AS n FROM "benchmark"', 'outage');
    expect(got[0]?.n).toBe(3);
    const run = await rows('SELECT count("run") AS n FROM "run"', 'outage');
    expect(run[0]?.n).toBe(1);
  });

  it('reports a missing database on write with the server message, permanent', async () => {
    // (The readiness check creates it: test/influx-database.int.test.ts.)
    const written = await sinkFor('nope')
      .write(points)
      .catch((e: unknown) => e);
    expect(written).toBeInstanceOf(SinkRejectedError);
    expect(isRetryable(written)).toBe(false);
    expect((written as SinkRejectedError).status).toBe(404);
    expect((written as Error).message).toContain('answered 404: database not found: "nope"');
  });

  it('reports wrong credentials with the server message, permanent, without the password', async () => {
    const sink = sinkFor('bench', { password: 'wrong' });
    const checked = await sink.check().catch((e: unknown) => e);
    expect(checked).toBeInstanceOf(ConfigError);
    expect((checked as Error).message).toContain('answered 401: authorization failed');
    const written = await sink.write(points).catch((e: unknown) => e);
    expect(written).toBeInstanceOf(SinkRejectedError);
    expect(JSON.stringify(written, Object.getOwnPropertyNames(written))).not.toContain('wrong');
  });

  it('reports a wrong retention policy as permanent although influxd answers 500', async () => {
    const sink = new InfluxMetricsSink({
      api: 'v1',
      url: influxd.url,
      database: 'bench',
      retentionPolicy: 'nope',
      ...auth,
    });
    const written = await sink.write(points).catch((e: unknown) => e);
    expect(written).toBeInstanceOf(SinkRejectedError);
    expect((written as Error).message).toContain('retention policy not found: nope');
  });

  it('reports a URL where nothing listens as retryable', async () => {
    const sink = sinkFor('bench', { url: `http://127.0.0.1:${await freePort()}` });
    await expect(sink.check()).rejects.toBeInstanceOf(SinkUnavailableError);
    const written = await sink.write(points).catch((e: unknown) => e);
    expect(isRetryable(written)).toBe(true);
  });

  it('reports a field type conflict (a bad line) as permanent with the server message', async () => {
    const [first] = points;
    if (!first) throw new Error('no points');
    const bad = { ...first, fields: { latency: 'not a number' } };
    const written = await sinkFor('bench')
      .write([bad])
      .catch((e: unknown) => e);
    expect(written).toBeInstanceOf(SinkRejectedError);
    expect((written as SinkRejectedError).status).toBe(400);
    expect((written as Error).message).toContain('field type conflict');
  });

  it('stops before sending when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(sinkFor('bench').write(points, { signal: controller.signal })).rejects.toThrow();
  });
});
