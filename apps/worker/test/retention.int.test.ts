import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readReceipts } from '@benchrunner/archive';
import { PUBLISH_ATTEMPTS } from '@benchrunner/queue';
import { CarArtifactStore, InfluxMetricsSink, IpfsArtifactStore } from '@benchrunner/sinks';
import { freePort, type Influxd, startInfluxd } from '@benchrunner/testing';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishProcessor, type PublishDeps } from '../src/publisher.ts';
import { sweepArchive } from '../src/retention.ts';
import { nextRun, recordingLogger, silentLogger, tempRoot } from './helpers-publish.ts';

const DAY = 24 * 3600 * 1000;

let influxd: Influxd;
let root: string;
let archiveRoot: string;
let car: CarArtifactStore;
let influx: InfluxMetricsSink;

beforeAll(async () => {
  [influxd, root] = await Promise.all([startInfluxd({ databases: ['bench'] }), tempRoot('retention')]);
  archiveRoot = path.join(root, 'runs');
  car = new CarArtifactStore({ outDir: archiveRoot });
  influx = new InfluxMetricsSink({ api: 'v1', url: influxd.url, database: 'bench' });
});

afterAll(async () => {
  await influxd?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const realRun = async () => (await nextRun(root, archiveRoot)).id;

/**
 * One attempt of the publish job, as the worker's processor makes it. The job is the processor's
 * only view of BullMQ here (retries are not what this file tests); the sinks are real.
 */
async function publishOnce(runId: string, sinks: Omit<PublishDeps, 'archiveRoot' | 'logger'>): Promise<void> {
  const job = {
    data: { runId },
    attemptsMade: 0,
    opts: { attempts: PUBLISH_ATTEMPTS },
    updateProgress: async () => {},
  } as unknown as Job;
  await createPublishProcessor({ archiveRoot, logger: silentLogger(), ...sinks })(job).catch(() => undefined);
}

const both = { artifacts: true, metrics: true };
const folder = (id: string) => existsSync(path.join(archiveRoot, id));

describe('retention (RETENTION_DAYS)', () => {
  let full: string;
  let noMetrics: string;
  let noCid: string;
  let never: string;

  beforeAll(async () => {
    [full, noMetrics, noCid, never] = [await realRun(), await realRun(), await realRun(), await realRun()];
    await publishOnce(full, { artifactStore: car, metricsSink: influx });
    // InfluxDB refuses (a database that does not exist): the CAR is written, the metrics are not.
    await publishOnce(noMetrics, {
      artifactStore: car,
      metricsSink: new InfluxMetricsSink({ api: 'v1', url: influxd.url, database: 'missing' }),
    });
    // The artifact store is down: the metrics are written, but without the CID.
    await publishOnce(noCid, {
      artifactStore: new IpfsArtifactStore({ url: `http://127.0.0.1:${await freePort()}` }),
      metricsSink: influx,
    });
  });

  it('keeps every run younger than the retention period, published or not', async () => {
    expect(await sweepArchive({ archiveRoot, days: 7, sinks: both, logger: silentLogger() })).toEqual([]);
    expect(
      await sweepArchive({
        archiveRoot,
        days: 0,
        sinks: both,
        logger: silentLogger(),
        now: Date.now() + 365 * DAY,
      }),
    ).toEqual([]);
    for (const id of [full, noMetrics, noCid, never]) expect(folder(id)).toBe(true);
  });

  it('removes an old run only once every configured sink confirmed it; receipts and the CAR stay', async () => {
    expect((await readReceipts(archiveRoot, noMetrics)).errors.influxdb).toMatch(/database not found/);
    expect((await readReceipts(archiveRoot, noCid)).metrics).toMatchObject({ points: 5 });
    expect((await readReceipts(archiveRoot, noCid)).metrics?.cid).toBeUndefined();

    const { logger, records } = recordingLogger();
    const now = Date.now() + 8 * DAY;
    expect(await sweepArchive({ archiveRoot, days: 7, sinks: both, logger, now })).toEqual([full]);
    expect(records).toEqual([
      expect.objectContaining({ runId: full, msg: expect.stringMatching(/every sink confirmed/) }),
    ]);
    expect(folder(full)).toBe(false);
    expect(existsSync(path.join(archiveRoot, `${full}.publish.json`))).toBe(true);
    expect(existsSync(path.join(archiveRoot, `${full}.car`))).toBe(true);
    for (const id of [noMetrics, noCid, never]) expect(folder(id)).toBe(true);

    // Without a metrics sink configured, the CAR alone is every confirmation there is to wait for.
    expect(
      await sweepArchive({ archiveRoot, days: 7, sinks: { artifacts: true, metrics: false }, logger, now }),
    ).toEqual([noMetrics]);
    for (const id of [noCid, never]) expect(folder(id)).toBe(true);
  });

  it('removes a run on the sweep after its last sink confirmed it', async () => {
    const now = Date.now() + 8 * DAY;
    await publishOnce(noCid, { artifactStore: car, metricsSink: influx });
    const receipts = await readReceipts(archiveRoot, noCid);
    expect(receipts.metrics?.cid).toBe(receipts.artifacts?.cid);
    expect(await sweepArchive({ archiveRoot, days: 7, sinks: both, logger: silentLogger(), now })).toEqual([
      noCid,
    ]);
    expect(folder(never)).toBe(true);
  });

  it('keeps a run whose receipts cannot be read, and ignores what is not a run folder', async () => {
    const id = await realRun();
    await publishOnce(id, { artifactStore: car, metricsSink: influx });
    await writeFile(path.join(archiveRoot, `${id}.publish.json`), '{ not json');
    const stray = path.join(archiveRoot, 'not-a-run');
    await writeFile(path.join(archiveRoot, 'loose-file.txt'), 'x');
    await mkdir(stray);
    const now = Date.now() + 8 * DAY;
    expect(await sweepArchive({ archiveRoot, days: 7, sinks: both, logger: silentLogger(), now })).toEqual(
      [],
    );
    expect(folder(id)).toBe(true);
    expect(existsSync(stray)).toBe(true);
  });
});
