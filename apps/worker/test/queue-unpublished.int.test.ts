import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRedis, PUBLISH_QUEUE, publishJobId, QUEUE_PREFIX } from '@benchrunner/queue';
import { CarArtifactStore } from '@benchrunner/sinks';
import { type RedisFixture, sampleManifest, startRedis } from '@benchrunner/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueUnpublished } from '../src/publisher.ts';
import { recordingLogger } from './helpers-publish.ts';

let redis: RedisFixture;
let connection: Redis;
let queue: Queue;
let root: string;

beforeAll(async () => {
  redis = await startRedis();
  connection = createRedis(redis.url);
  queue = new Queue(PUBLISH_QUEUE, { connection, prefix: QUEUE_PREFIX });
  root = await mkdtemp(path.join(tmpdir(), 'unpublished-'));
});

afterAll(async () => {
  await queue.close();
  connection.disconnect();
  await redis.close();
  await rm(root, { recursive: true, force: true });
});

async function run(id: string, manifest: object, receipts?: object): Promise<void> {
  await mkdir(path.join(root, id));
  await writeFile(path.join(root, id, 'manifest.json'), JSON.stringify({ ...manifest, id }));
  if (receipts) await writeFile(path.join(root, `${id}.publish.json`), JSON.stringify(receipts));
}

describe('queueUnpublished', () => {
  it('queues finished runs that the sinks have not confirmed, once', async () => {
    await run('rfinished', sampleManifest());
    await run('rconfirmed', sampleManifest(), {
      artifacts: { store: 'car', cid: 'bafy', at: 'x' },
      errors: {},
    });
    await run('ractive', sampleManifest({ state: 'active', finishedAt: undefined }));
    await run('rbroken', {});
    await writeFile(path.join(root, 'rbroken', 'manifest.json'), '{ not json');
    await mkdir(path.join(root, 'rstarting'));
    const { logger, records } = recordingLogger();
    const options = {
      archiveRoot: root,
      publishQueue: queue,
      sinks: { artifactStore: new CarArtifactStore() },
      logger,
    };

    expect(await queueUnpublished(options)).toBe(1);
    expect(await queue.getJob(publishJobId('rfinished'))).toBeDefined();
    expect(await queue.getJob(publishJobId('rconfirmed'))).toBeUndefined();
    expect(await queue.getJob(publishJobId('ractive'))).toBeUndefined();
    // The torn manifest is reported by its file; a folder with no manifest yet is a run starting.
    expect(records.filter((r) => r.level === 40)).toEqual([
      expect.objectContaining({
        runId: 'rbroken',
        file: path.join(root, 'rbroken', 'manifest.json'),
        reason: 'not-json',
      }),
    ]);
    // A second start finds the job already there.
    expect(await queueUnpublished(options)).toBe(0);
    expect(await queue.count()).toBe(1);
  });
});
