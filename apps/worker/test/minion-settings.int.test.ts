import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Minion, RunManifest } from '@benchrunner/core';
import { appendRunLog, createRedis, enqueueRun, laneName, QUEUE_PREFIX } from '@benchrunner/queue';
import { SshRunner } from '@benchrunner/ssh';
import { type RedisFixture, type SshdFixture, startRedis, startSshd, waitFor } from '@benchrunner/testing';
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ActiveRuns } from '../src/active-runs.ts';
import { createRunProcessor } from '../src/processor.ts';
import { ansibleProvisioner } from '../src/provisioner.ts';
import { silentLogger, writeTinySuite } from './helpers-publish.ts';

let redis: RedisFixture;
let sshd: SshdFixture;
let connection: Redis;
let root: string;

beforeAll(async () => {
  [redis, sshd] = await Promise.all([startRedis(), startSshd()]);
  connection = createRedis(redis.url);
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-minion-settings-'));
});
afterAll(async () => {
  connection?.disconnect();
  await redis?.close();
  await sshd?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

it("runs a suite with the minion's CPUs and noise thresholds where the suite sets none, and records the minion's tuning", async () => {
  const suiteFile = await writeTinySuite(path.join(root, 'suite'));
  // The suite names its own maxShift (it wins) and neither cpus nor maxCv (the minion's apply).
  await writeFile(
    suiteFile,
    'project: minion-settings\nnoise: {seconds: 0.1, maxShift: 5000}\nbenchmarks:\n  - {name: add, command: [node, bench.mjs]}\n',
  );
  const minion: Extract<Minion, { kind: 'ssh' }> = {
    ...sshd.minion('tuned'),
    cpus: '0',
    noise: { maxCv: 1_000_000, maxShift: 1 },
    playbookVars: { benchrunner_install_profilers: false, benchrunner_tune: true },
  };
  const logger = silentLogger();
  const queue = new Queue(laneName(minion.name), { connection, prefix: QUEUE_PREFIX });
  const finished: Job[] = [];
  const workerConnection = createRedis(redis.url);
  const worker = new Worker(
    laneName(minion.name),
    createRunProcessor({
      minion,
      suiteFile,
      archiveRoot: path.join(root, 'runs'),
      logger,
      active: new ActiveRuns(),
      connect: (m, signal) => SshRunner.connect(m as typeof minion, { logger, signal }),
      provisioner: ansibleProvisioner(minion, { logger }),
      cancelRequested: async () => null,
      lockDurationMs: 30_000,
      appendLog: (runId, lines) => appendRunLog(queue, runId, lines),
    }),
    { connection: workerConnection, prefix: QUEUE_PREFIX },
  );
  worker.on('completed', (job) => finished.push(job));
  worker.on('failed', (job) => job && finished.push(job));
  try {
    const { id } = await enqueueRun(queue, {
      commit: 'main',
      benchmarks: [],
      profile: false,
      minion: minion.name,
      priority: 'manual',
      trigger: { kind: 'api', detail: {} },
    });
    await waitFor(() => finished.length > 0, 'the run to finish', 240_000);
    expect(finished[0]?.failedReason).toBeUndefined();
    const manifest = RunManifest.parse(
      JSON.parse(await readFile(path.join(root, 'runs', id, 'manifest.json'), 'utf8')),
    );
    expect(manifest.state).toBe('completed');
    expect(manifest.environment.cpus).toBe('0');
    expect(manifest.noise?.settings).toEqual({ seconds: 0.1, maxCv: 1_000_000, maxShift: 5000, requeue: 1 });
    expect(manifest.environment.tuning_governor).toMatch(/^not done: not root/);
    expect(manifest.environment.tuning_isolate_cpus).toBe('off');
  } finally {
    await worker.close();
    await queue.close();
    workerConnection.disconnect();
  }
}, 300_000);
