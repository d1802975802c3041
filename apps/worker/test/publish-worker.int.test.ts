import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { readReceipts } from '@benchrunner/archive';
import { LOCAL_MINION } from '@benchrunner/core';
import {
  createRedis,
  enqueueRun,
  laneName,
  PUBLISH_QUEUE,
  publishJobId,
  QUEUE_PREFIX,
  RunStore,
} from '@benchrunner/queue';
import {
  freePort,
  type Influxd,
  type RedisFixture,
  type Started,
  startInfluxd,
  startRedis,
  waitFor,
} from '@benchrunner/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRequest, startReadyWorker, tempRoot, writeTinySuite } from './helpers-publish.ts';

const ADMIN = { username: 'admin', password: 'pw-admin-publish' };
const WRONG_PASSWORD = 'pw-wrong-never-logged';

let influxd: Influxd;
let redis: RedisFixture;
let root: string;
let suiteFile: string;
const workers: Started[] = [];

beforeAll(async () => {
  [influxd, redis, root] = await Promise.all([
    startInfluxd({ auth: ADMIN, databases: ['bench'] }),
    startRedis(),
    tempRoot('publish-worker'),
  ]);
  suiteFile = await writeTinySuite(path.join(root, 'suite'));
});

afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await Promise.all([influxd?.stop(), redis?.close()]);
  if (root) await rm(root, { recursive: true, force: true });
});

/** The real worker process from source (node with the tsx loader), waited for until ready. */
async function startWorker(name: string, env: Record<string, string>): Promise<Started> {
  const worker = await startReadyWorker(['--import', 'tsx', 'src/main.ts'], {
    DATA_DIR: path.join(root, name),
    SUITE_FILE: suiteFile,
    ...env,
  });
  workers.push(worker);
  return worker;
}

/** Waits until the worker has logged `count` records with the given message (sink checks run in the background). */
async function loggedAtLeast(
  worker: Started,
  msg: RegExp,
  count: number,
): Promise<Record<string, unknown>[]> {
  await waitFor(() => logged(worker, msg).length >= count, `${count} log records matching ${msg}`, 30_000);
  return logged(worker, msg);
}

/** The worker's JSON log records with the given message. */
function logged(worker: Started, msg: RegExp): Record<string, unknown>[] {
  return worker
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((record) => msg.test(String(record.msg)));
}

describe('a misconfigured sink at worker start', () => {
  it('is logged with the store message; the worker keeps running, archives the run and shows the error in its publish state', async () => {
    // (A missing database is not this case: the worker creates it, or stops at start when it
    // may not; test/influx-database.int.test.ts.)
    const worker = await startWorker('wrong-rp', {
      REDIS_URL: redis.url,
      ARTIFACT_STORE: 'car',
      INFLUX_URL: influxd.url,
      INFLUX_DB: 'bench',
      INFLUX_RP: 'nope',
      INFLUX_USERNAME: ADMIN.username,
      INFLUX_PASSWORD: ADMIN.password,
    });
    expect(await loggedAtLeast(worker, /^sink not ready/, 1)).toEqual([
      expect.objectContaining({
        level: 50,
        sink: 'influxdb',
        reason: `InfluxDB at ${influxd.url} (database bench, retention policy nope) answered 500: retention policy not found: nope`,
      }),
    ]);
    // The embedded results database (SQLite in DATA_DIR) is a sink too, checked in the background.
    await loggedAtLeast(worker, /^sink ready/, 2);
    expect(
      logged(worker, /^sink ready/)
        .map((record) => record.sink)
        .sort(),
    ).toEqual(['car', 'results-db']);

    const connection: Redis = createRedis(redis.url);
    const lane = new Queue(laneName('local'), { connection, prefix: QUEUE_PREFIX });
    const publish = new Queue(PUBLISH_QUEUE, { connection, prefix: QUEUE_PREFIX });
    try {
      const { id } = await enqueueRun(lane, runRequest('ba5eba11'.repeat(5)));
      const archiveRoot = path.join(root, 'wrong-rp', 'runs');
      await waitFor(
        async () => (await readReceipts(archiveRoot, id)).errors.influxdb !== undefined,
        'the failed metrics write in the receipts',
        60_000,
      );
      const receipts = await readReceipts(archiveRoot, id);
      expect(receipts.errors.influxdb).toMatch(/answered 500: retention policy not found: nope/);
      // The artifact store did its part; the run is kept for a later attempt.
      expect(receipts.artifacts).toMatchObject({ store: 'car', file: path.join(archiveRoot, `${id}.car`) });
      expect(receipts.metrics).toBeUndefined();
      expect(existsSync(path.join(archiveRoot, id, 'manifest.json'))).toBe(true);
      expect(await (await lane.getJob(id))?.getState()).toBe('completed');
      await waitFor(
        async () => (await publish.getJobState(publishJobId(id))) === 'delayed',
        'the publish job to wait for its retry',
      );
      // Read once it waits: a job object fetched while the attempt was still active keeps that
      // attempt's attemptsMade (0).
      expect((await publish.getJob(publishJobId(id)))?.attemptsMade).toBe(1);
      // GET /runs/:id shows it.
      const store = new RunStore({ minions: [LOCAL_MINION], connection, publishQueue: publish });
      const view = await store.get(id).finally(() => store.close());
      expect(view.publish).toMatchObject({
        state: 'retrying',
        attempts: 1,
        receipts: { errors: { influxdb: receipts.errors.influxdb } },
        failedReason: expect.stringContaining('retention policy not found'),
      });
      expect(view.artifacts).toMatchObject({ store: 'car', cid: receipts.artifacts?.cid });
      expect(worker.child.exitCode).toBeNull();
    } finally {
      await lane.close();
      await publish.close();
      connection.disconnect();
    }
  });

  it('a wrong password and an IPFS daemon that is not there are logged too, without the password', async () => {
    const nobody = await freePort();
    // Its own Redis database: this worker's lane is not the first test's.
    const worker = await startWorker('wrong-password', {
      REDIS_URL: `${redis.url}/1`,
      ARTIFACT_STORE: 'ipfs',
      IPFS_API_URL: `http://127.0.0.1:${nobody}`,
      INFLUX_URL: influxd.url,
      INFLUX_DB: 'bench',
      INFLUX_USERNAME: ADMIN.username,
      INFLUX_PASSWORD: WRONG_PASSWORD,
    });
    const reasons = Object.fromEntries(
      (await loggedAtLeast(worker, /^sink not ready/, 2)).map((r) => [r.sink, r.reason]),
    );
    expect(reasons).toEqual({
      ipfs: expect.stringMatching(
        new RegExp(`IPFS API at http://127.0.0.1:${nobody} failed while checking: .*ECONNREFUSED`),
      ),
      influxdb: `InfluxDB at ${influxd.url} (database bench) answered 401: authorization failed`,
    });
    expect(worker.output()).not.toContain(WRONG_PASSWORD);
    await new Promise((r) => setTimeout(r, 500));
    expect(worker.child.exitCode).toBeNull();
  });
});
