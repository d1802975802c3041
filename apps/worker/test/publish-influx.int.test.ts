import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { readReceipts } from '@benchrunner/archive';
import type { RunManifest } from '@benchrunner/core';
import { createRedis, enqueuePublish, publishJobId } from '@benchrunner/queue';
import { CarArtifactStore, carRootCid, InfluxMetricsSink } from '@benchrunner/sinks';
import {
  freePort,
  type Influxd,
  type RedisFixture,
  startInfluxd,
  startRedis,
  waitFor,
} from '@benchrunner/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  nextRun,
  type Publishing,
  runRows,
  startPublishing,
  tempRoot,
  waitForJobState,
} from './helpers-publish.ts';

const DB = 'bench';
const ADMIN = { username: 'admin', password: 'pw-publish-test' };

let influxd: Influxd;
let redis: RedisFixture;
let connection: Redis;
let root: string;
let archiveRoot: string;
let publishing: Publishing;

function sink(over: { database?: string; password?: string; url?: string } = {}): InfluxMetricsSink {
  return new InfluxMetricsSink({
    api: 'v1',
    url: over.url ?? influxd.url,
    database: over.database ?? DB,
    username: ADMIN.username,
    password: over.password ?? ADMIN.password,
    // Small batches: a run's points travel in several requests, as a large run's would.
    batchSize: 3,
  });
}

beforeAll(async () => {
  [influxd, redis, root] = await Promise.all([
    startInfluxd({ auth: ADMIN, databases: [DB] }),
    startRedis(),
    tempRoot('publish-influx'),
  ]);
  archiveRoot = path.join(root, 'runs');
  connection = createRedis(redis.url);
  publishing = await startPublishing({
    connection,
    archiveRoot,
    artifactStore: new CarArtifactStore({ outDir: archiveRoot }),
    metricsSink: sink(),
  });
});

afterAll(async () => {
  await publishing?.close();
  connection?.disconnect();
  await Promise.all([influxd?.stop(), redis?.close()]);
  if (root) await rm(root, { recursive: true, force: true });
});

const realRun = () => nextRun(root, archiveRoot, 'main');

/** How many points of the run each measurement holds (COUNT over a field every point has). */
async function pointCounts(runId: string): Promise<{ benchmark: number; run: number; series: number }> {
  const count = async (q: string) => {
    const [result] = await influxd.query(q, DB);
    return Number(result?.series?.[0]?.values[0]?.[1] ?? 0);
  };
  const [series] = await influxd.query(`SHOW SERIES FROM "benchmark"`, DB);
  return {
    benchmark: await count(`SELECT COUNT("commit") FROM "benchmark" WHERE "run" = '${runId}'`),
    run: await count(`SELECT COUNT("commit") FROM "run" WHERE "run" = '${runId}'`),
    series: series?.series?.[0]?.values.length ?? 0,
  };
}

function resultCount(manifest: RunManifest): number {
  return manifest.results.reduce((n, doc) => n + doc.benchmarks.length, 0);
}

describe('publishing a real run to InfluxDB 1.6.7 over /write', () => {
  it('writes every result with the manifest values, tags and fields, each point carrying run id, commit and CID', async () => {
    const manifest = await realRun();
    expect(resultCount(manifest)).toBe(4);
    await enqueuePublish(publishing.queue, manifest.id);
    await waitForJobState(publishing.queue, publishJobId(manifest.id), ['completed']);

    const receipts = await readReceipts(archiveRoot, manifest.id);
    const cid = await carRootCid(path.join(archiveRoot, manifest.id));
    expect(receipts.artifacts).toMatchObject({ store: 'car', cid });
    expect(receipts.metrics).toMatchObject({ sink: 'influxdb', points: 5, cid });
    expect(receipts.errors).toEqual({});

    const rows = await runRows(influxd, DB, manifest.id);
    expect(rows.benchmark).toHaveLength(4);
    const startNs = BigInt(Date.parse(manifest.startedAt)) * 1_000_000n;
    for (const doc of manifest.results) {
      for (const result of doc.benchmarks) {
        const row = rows.benchmark.find(
          (r) =>
            r.benchmark === doc.benchmark && r.case === result.name && r.file_set === result.params.file_set,
        );
        expect(row, `${doc.benchmark}/${result.name}/${result.params.file_set}`).toBeDefined();
        expect(row).toMatchObject({
          project: 'publish-test',
          minion: 'local',
          branch: 'main',
          trigger: 'api',
          priority: 'manual',
          warmup: result.params.warmup,
          commit: manifest.request.commit,
          run: manifest.id,
          cid,
        });
        for (const [measure, m] of Object.entries(result.measures)) {
          expect(row?.[measure], measure).toBe(m.value);
          expect(row?.[`${measure}_unit`]).toBe(m.unit);
          if (m.samples) expect(row?.[`${measure}_samples`]).toBe(m.samples.length);
          if (m.lower !== undefined) expect(row?.[`${measure}_lower`]).toBe(m.lower);
          if (m.upper !== undefined) expect(row?.[`${measure}_upper`]).toBe(m.upper);
        }
        // Deterministic time: the run's start. The fixture reads `epoch=ns` times through
        // JSON.parse, so they come back as doubles, exact only to 256 ns at today's dates.
        expect(Math.abs((row?.time as number) - Number(startNs))).toBeLessThanOrEqual(512);
      }
    }
    // The seed results of two repeats: latency is the mean of the rows, both rows kept as samples.
    const add = manifest.results.find((d) => d.benchmark === 'add')?.benchmarks;
    const kb = add?.find((b) => b.params.file_set === 'OneKBFile');
    expect(kb?.measures.latency?.samples).toEqual([13.5e6, 15e6]);

    expect(rows.run).toEqual([
      expect.objectContaining({
        commit: manifest.request.commit,
        run: manifest.id,
        cid,
        state: 'completed',
        results: 4,
        benchmarks: 2,
        failed: 0,
        project: 'publish-test',
      }),
    ]);
  });

  it('retries while InfluxDB is down and, once it is back, has every point exactly once', async () => {
    const manifest = await realRun();
    const jobId = publishJobId(manifest.id);
    await influxd.halt();
    try {
      await enqueuePublish(publishing.queue, manifest.id);
      // At least two failed attempts while it is down: the job is retried, not dropped.
      await waitFor(
        async () => ((await publishing.queue.getJob(jobId))?.attemptsMade ?? 0) >= 2,
        'two failed attempts',
      );
      const receipts = await readReceipts(archiveRoot, manifest.id);
      expect(receipts.artifacts?.store).toBe('car');
      expect(receipts.metrics).toBeUndefined();
      expect(receipts.errors.influxdb).toMatch(/cannot be reached: ECONNREFUSED/);
      expect(existsSync(path.join(archiveRoot, manifest.id, 'manifest.json'))).toBe(true);
    } finally {
      await influxd.restart();
    }
    await waitForJobState(publishing.queue, jobId, ['completed']);
    const job = await publishing.queue.getJob(jobId);
    expect(job?.attemptsMade).toBeGreaterThanOrEqual(2);

    const receipts = await readReceipts(archiveRoot, manifest.id);
    expect(receipts.errors).toEqual({});
    expect(receipts.metrics?.cid).toBe(receipts.artifacts?.cid);
    const counts = await pointCounts(manifest.id);
    expect(counts.benchmark).toBe(resultCount(manifest));
    expect(counts.run).toBe(1);
    // One point per (series, time): nothing was written twice under another timestamp.
    const rows = await runRows(influxd, DB, manifest.id);
    const keys = rows.benchmark.map((r) => `${r.benchmark}/${r.case}/${r.file_set}@${String(r.time)}`);
    expect(new Set(keys).size).toBe(resultCount(manifest));
  });

  it('publishing the same run twice adds no points', async () => {
    const manifest = await realRun();
    const jobId = publishJobId(manifest.id);
    await enqueuePublish(publishing.queue, manifest.id);
    await waitForJobState(publishing.queue, jobId, ['completed']);
    const first = await runRows(influxd, DB, manifest.id);
    const seriesBefore = (await pointCounts(manifest.id)).series;

    // On demand, as POST /runs/:id/publish does it: a new job for the same run.
    await enqueuePublish(publishing.queue, manifest.id, { again: true });
    await waitForJobState(publishing.queue, jobId, ['completed']);
    // And from scratch: the receipts gone, so every sink is written again.
    await rm(path.join(archiveRoot, `${manifest.id}.publish.json`));
    await enqueuePublish(publishing.queue, manifest.id, { again: true });
    await waitForJobState(publishing.queue, jobId, ['completed']);
    const receipts = await readReceipts(archiveRoot, manifest.id);
    expect(receipts.metrics?.points).toBe(5);

    const counts = await pointCounts(manifest.id);
    expect(counts).toEqual({ benchmark: resultCount(manifest), run: 1, series: seriesBefore });
    const second = await runRows(influxd, DB, manifest.id);
    const byTime = (rows: Record<string, unknown>[]) =>
      [...rows].sort(
        (a, b) =>
          String(a.time).localeCompare(String(b.time)) || String(a.case).localeCompare(String(b.case)),
      );
    expect(byTime(second.benchmark)).toEqual(byTime(first.benchmark));
  });

  it('publishes a retrying run at once when asked again (POST /runs/:id/publish), not after its backoff', async () => {
    // A worker whose next retry is far away, as the real one's is after a few failures (up to 30 min).
    const slow = createRedis(`${redis.url}/2`);
    const patient = await startPublishing({
      connection: slow,
      archiveRoot,
      artifactStore: new CarArtifactStore({ outDir: archiveRoot }),
      metricsSink: sink(),
      backoffMs: 10 * 60_000,
    });
    try {
      const manifest = await realRun();
      const jobId = publishJobId(manifest.id);
      await influxd.halt();
      try {
        await enqueuePublish(patient.queue, manifest.id);
        await waitForJobState(patient.queue, jobId, ['delayed']);
      } finally {
        await influxd.restart();
      }
      const asked = Date.now();
      expect(await enqueuePublish(patient.queue, manifest.id, { again: true })).toEqual({
        id: jobId,
        state: 'waiting',
      });
      await waitForJobState(patient.queue, jobId, ['completed'], 20_000);
      expect(Date.now() - asked).toBeLessThan(20_000);
      expect((await pointCounts(manifest.id)).benchmark).toBe(resultCount(manifest));
    } finally {
      await patient.close();
      slow.disconnect();
    }
  });

  it("fails the readiness check of a wrong password or URL with the store's own message", async () => {
    await expect(sink().check()).resolves.toBeUndefined();
    // A missing database is created by the admin user (test/influx-database.int.test.ts).
    await expect(sink({ database: 'nope' }).check()).resolves.toBeUndefined();
    const wrongPassword = sink({ password: 'wrong' }).check();
    await expect(wrongPassword).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(/answered 401: authorization failed/),
    });
    await expect(wrongPassword).rejects.not.toMatchObject({ message: expect.stringContaining('wrong') });
    const nobody = await freePort();
    await expect(sink({ url: `http://127.0.0.1:${nobody}` }).check()).rejects.toMatchObject({
      name: 'SinkUnavailableError',
      message: expect.stringMatching(
        new RegExp(`InfluxDB at http://127.0.0.1:${nobody} .*cannot be reached: ECONNREFUSED`),
      ),
    });
  });
});
