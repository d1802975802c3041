import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { readReceipts } from '@benchrunner/archive';
import { LOCAL_MINION, newRunId } from '@benchrunner/core';
import {
  cancelRequested,
  createRedis,
  enqueuePublish,
  enqueueRun,
  publishJobId,
  RunStore,
} from '@benchrunner/queue';
import {
  CarArtifactStore,
  carRootCid,
  InfluxMetricsSink,
  IpfsArtifactStore,
  listFolder,
} from '@benchrunner/sinks';
import { LocalRunner } from '@benchrunner/ssh';
import {
  type Influxd,
  type Ipfs,
  type RedisFixture,
  startInfluxd,
  startIpfs,
  startRedis,
  waitFor,
} from '@benchrunner/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActiveRuns } from '../src/active-runs.ts';
import { type Lane, startLane } from '../src/lane.ts';
import {
  makeRun,
  type Publishing,
  runRequest,
  runRows,
  silentLogger,
  startPublishing,
  tcpGate,
  tempRoot,
  waitForJobState,
  writeTinySuite,
} from './helpers-publish.ts';

const DB = 'bench';

let ipfs: Ipfs;
let influxd: Influxd;
let redis: RedisFixture;
let connection: Redis;
let root: string;
let archiveRoot: string;
let gate: Awaited<ReturnType<typeof tcpGate>>;
let publishing: Publishing;

beforeAll(async () => {
  [ipfs, influxd, redis, root] = await Promise.all([
    startIpfs(),
    startInfluxd({ databases: [DB] }),
    startRedis(),
    tempRoot('publish-ipfs'),
  ]);
  archiveRoot = path.join(root, 'runs');
  connection = createRedis(redis.url);
  // The store talks to the real daemon through a gate the tests can shut, as if the daemon were down.
  gate = await tcpGate({ host: '127.0.0.1', port: Number(new URL(ipfs.apiUrl).port) });
  await gate.open();
  publishing = await startPublishing({
    connection,
    archiveRoot,
    artifactStore: new IpfsArtifactStore({ url: gate.url, gatewayUrl: ipfs.gatewayUrl, timeoutMs: 20_000 }),
    metricsSink: new InfluxMetricsSink({ api: 'v1', url: influxd.url, database: DB }),
  });
});

afterAll(async () => {
  await publishing?.close();
  await gate?.dispose();
  connection?.disconnect();
  await Promise.all([ipfs?.stop(), influxd?.stop(), redis?.close()]);
  if (root) await rm(root, { recursive: true, force: true });
});

describe('publishing a real run to a real IPFS daemon (js-ipfs)', () => {
  it('adds the run folder: its files cat back under the CID, which is the CAR root CID of the folder', async () => {
    const { manifest, dir } = await makeRun({
      root: path.join(root, 'run-cat'),
      archiveRoot,
      id: newRunId(),
      commit: 'feedbeef'.repeat(5),
    });
    await enqueuePublish(publishing.queue, manifest.id);
    await waitForJobState(publishing.queue, publishJobId(manifest.id), ['completed']);

    const receipts = await readReceipts(archiveRoot, manifest.id);
    const cid = receipts.artifacts?.cid ?? '';
    expect(receipts.artifacts).toMatchObject({ store: 'ipfs', url: `${ipfs.gatewayUrl}/ipfs/${cid}/` });
    expect(cid).toMatch(/^bafy/);
    // Every file of the archive, byte for byte.
    const files = (await listFolder(dir)).filter((e) => e.kind === 'file');
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['manifest.json']));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      expect((await ipfs.cat(`${cid}/${file.path}`)).equals(await readFile(file.absolute)), file.path).toBe(
        true,
      );
    }
    expect(JSON.parse((await ipfs.cat(`${cid}/manifest.json`)).toString()).id).toBe(manifest.id);

    // The embedded default gives the same CID for the same folder, offline.
    expect(await carRootCid(dir)).toBe(cid);
    await mkdir(path.join(root, 'cars'));
    const car = await new CarArtifactStore({ outDir: path.join(root, 'cars') }).publish(dir);
    expect(car.cid).toBe(cid);
    // And every metric point of the run carries it.
    const rows = await runRows(influxd, DB, manifest.id);
    expect(rows.benchmark.length).toBeGreaterThan(0);
    expect([...rows.benchmark, ...rows.run].every((r) => r.cid === cid)).toBe(true);
  });

  describe('while the daemon is down', () => {
    let lane: Lane;
    let service: RunStore;

    beforeAll(async () => {
      const suiteFile = await writeTinySuite(path.join(root, 'lane-suite'));
      // The worker's own lane (main.ts's wiring): a run archives, then queues its publish job.
      lane = await startLane({
        minion: LOCAL_MINION,
        connection,
        logger: silentLogger(),
        lockDurationMs: 30_000,
        deps: {
          suiteFile,
          archiveRoot,
          logger: silentLogger(),
          active: new ActiveRuns(),
          connect: async () => new LocalRunner({ minion: 'local', workDir: path.join(root, 'lane-minion') }),
          cancelRequested: (runId) => cancelRequested(connection, runId),
          onArchived: async (manifest) => {
            await enqueuePublish(publishing.queue, manifest.id);
          },
        },
      });
      service = new RunStore({ minions: [LOCAL_MINION], connection, publishQueue: publishing.queue });
    });

    afterAll(async () => {
      await lane?.worker.close();
      await lane?.queue.close();
      await service?.close();
      await gate.open();
    });

    it('keeps the archive, writes the metrics without a CID, retries, and fills the CID in once it is back', async () => {
      await gate.close();
      const { id } = await enqueueRun(lane.queue, runRequest('d00d'.repeat(10), 'main'));
      const jobId = publishJobId(id);
      await waitFor(
        async () => ((await publishing.queue.getJob(jobId))?.attemptsMade ?? 0) >= 2,
        'two failed attempts',
        60_000,
      );

      const down = await readReceipts(archiveRoot, id);
      expect(down.artifacts).toBeUndefined();
      expect(down.errors.ipfs).toMatch(
        /IPFS API at http:\/\/127\.0\.0\.1:\d+ failed while adding .*ECONNREFUSED/,
      );
      expect(down.metrics).toMatchObject({ sink: 'influxdb', points: 5 });
      expect(down.metrics?.cid).toBeUndefined();
      expect(existsSync(path.join(archiveRoot, id, 'manifest.json'))).toBe(true);
      const before = await runRows(influxd, DB, id);
      expect(before.benchmark).toHaveLength(4);
      expect([...before.benchmark, ...before.run].every((r) => r.cid === null)).toBe(true);

      const view = await service.get(id);
      expect(view.state).toBe('completed');
      expect(view.artifacts).toBeUndefined();
      expect(view.publish?.state).toMatch(/retrying|waiting|active/);
      expect(view.publish?.attempts).toBeGreaterThanOrEqual(2);
      expect(view.publish?.receipts?.errors?.ipfs).toMatch(/ECONNREFUSED/);

      await gate.open();
      await waitForJobState(publishing.queue, jobId, ['completed']);
      const cid = await carRootCid(path.join(archiveRoot, id));
      const up = await readReceipts(archiveRoot, id);
      expect(up.artifacts).toMatchObject({ store: 'ipfs', cid });
      expect(up.metrics).toMatchObject({ points: 5, cid });
      expect(up.errors).toEqual({});

      const after = await service.get(id);
      expect(after.artifacts).toEqual({ cid, store: 'ipfs', url: `${ipfs.gatewayUrl}/ipfs/${cid}/` });
      expect(after.publish).toMatchObject({ state: 'completed' });

      // The same points, now with the CID: overwritten, not added.
      const rows = await runRows(influxd, DB, id);
      expect(rows.benchmark).toHaveLength(4);
      expect(rows.run).toHaveLength(1);
      expect([...rows.benchmark, ...rows.run].every((r) => r.cid === cid)).toBe(true);
      const values = (r: Record<string, unknown>[]) =>
        r.map((x) => `${x.benchmark}/${x.case}/${x.file_set}=${String(x.latency)}@${String(x.time)}`).sort();
      expect(values(rows.benchmark)).toEqual(values(before.benchmark));
      expect(
        (await ipfs.cat(`${cid}/manifest.json`)).equals(
          await readFile(path.join(archiveRoot, id, 'manifest.json')),
        ),
      ).toBe(true);

      // Published again on demand (POST /runs/:id/publish): still no duplicate points.
      expect((await service.publish(id)).publish).toEqual({ id: jobId, state: 'waiting' });
      await waitForJobState(publishing.queue, jobId, ['completed']);
      const again = await runRows(influxd, DB, id);
      expect(values(again.benchmark)).toEqual(values(rows.benchmark));
      expect(again.run).toHaveLength(1);
    });
  });
});
