import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunJobData, RunManifest } from '@benchrunner/core';
import { createRedis, enqueueRun, laneName, QUEUE_PREFIX } from '@benchrunner/queue';
import { SshRunner } from '@benchrunner/ssh';
import {
  type RedisFixture,
  type SshdFixture,
  type Started,
  startProcess,
  startRedis,
  startSshd,
  waitFor,
} from '@benchrunner/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';

const WORKER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Sleeps SLEEP_MS, then writes a seed result and its own start and end time (epoch ms) beside it. */
const BENCH = `
import { mkdirSync, writeFileSync } from 'node:fs';
const started = Date.now();
await new Promise((r) => setTimeout(r, Number(process.env.SLEEP_MS)));
const out = process.env.OUT_FOLDER;
const name = process.env.BENCHRUNNER_BENCHMARK;
mkdirSync(out, { recursive: true });
writeFileSync(out + '/interval.json', JSON.stringify({ started, ended: Date.now(), minion: process.env.BENCHRUNNER_MINION }));
writeFileSync(out + '/' + name + '.json', JSON.stringify([{
  name, warmup: 'off', description: 'fleet test', file_set: 'none', date: new Date().toISOString(), file: 'none',
  meta: { project: 'fleet', commit: process.env.BENCHRUNNER_COMMIT, version: '1', branch: 'b', guid: 'g' },
  duration: { s: 0, ms: Date.now() - started }, cpu: 0, loadAvg: [0, 0, 0], memory: 0,
}]));
`;

let root: string;
let dataDir: string;
let redis: RedisFixture;
let minions: SshdFixture[] = [];
let worker: Started | undefined;
let connection: Redis;
const queues = new Map<string, Queue>();

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-fleet-lanes-'));
  await chmod(root, 0o755);
  dataDir = path.join(root, 'data');
  const suiteDir = path.join(root, 'suite');
  await mkdir(suiteDir, { recursive: true });
  await writeFile(path.join(suiteDir, 'bench.mjs'), BENCH);
  await writeFile(
    path.join(suiteDir, 'suite.yaml'),
    'project: fleet\nbenchmarks:\n  - name: nap\n    command: [node, bench.mjs]\n    env: { SLEEP_MS: "2500" }\n',
  );
  [redis, ...minions] = await Promise.all([startRedis(), startSshd(), startSshd()]).then(
    (all) => all as [RedisFixture, SshdFixture, SshdFixture],
  );
  // These runs never profile: mark the profilers as installed so the playbook skips its npm
  // install of clinic (fleet-suite.int.test.ts covers that part).
  for (const sshd of minions) {
    const runner = await SshRunner.connect(sshd.minion());
    const marked = await runner.exec(['sh', '-c', 'mkdir -p tools && touch tools/.clinic-13.0.0']);
    await runner.close();
    expect(marked.exitCode).toBe(0);
  }
  const inventory = path.join(root, 'inventory.yaml');
  const hosts = minions
    .map((sshd, i) =>
      [
        `        m${i + 1}:`,
        `          ansible_host: ${sshd.host}`,
        `          ansible_port: ${sshd.port}`,
        `          ansible_user: ${sshd.user}`,
        `          ansible_ssh_private_key_file: ${sshd.privateKeyFile}`,
        `          benchrunner_host_keys: ["${sshd.hostKeyFingerprint}"]`,
        `          benchrunner_work_dir: ${sshd.workDir}`,
      ].join('\n'),
    )
    .join('\n');
  await writeFile(inventory, `all:\n  children:\n    minions:\n      hosts:\n${hosts}\n`);

  worker = startProcess(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: WORKER_DIR,
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      DATA_DIR: dataDir,
      SUITE_FILE: path.join(suiteDir, 'suite.yaml'),
      INVENTORY_FILE: inventory,
      ARTIFACT_STORE: 'none',
      LOCK_DURATION_MS: '10000',
      LOG_LEVEL: 'info',
    },
  });
  await waitFor(
    () => {
      if (worker?.child.exitCode !== null) throw new Error(`worker exited: ${worker?.output()}`);
      return worker.output().includes('worker ready');
    },
    'the worker to be ready',
    60_000,
  );
  connection = createRedis(redis.url);
  for (const name of ['m1', 'm2']) {
    queues.set(name, new Queue(laneName(name), { connection, prefix: QUEUE_PREFIX }));
  }
});

afterAll(async () => {
  for (const queue of queues.values()) await queue.close();
  connection?.disconnect();
  await worker?.stop(10_000);
  await Promise.all(minions.map((m) => m.stop()));
  await redis?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

let commits = 0;
async function enqueue(minion: string): Promise<string> {
  commits++;
  const data: RunJobData = {
    commit: (0xf1ee70 + commits).toString(16),
    benchmarks: [],
    profile: false,
    minion,
    priority: 'manual',
    trigger: { kind: 'api', detail: {} },
  };
  const queue = queues.get(minion);
  if (!queue) throw new Error(`no lane ${minion}`);
  return (await enqueueRun(queue, data)).id;
}

async function manifestOf(id: string): Promise<RunManifest | undefined> {
  const file = path.join(dataDir, 'runs', id, 'manifest.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RunManifest;
  } catch {
    return undefined; // Being rewritten right now.
  }
}

async function waitForRuns(ids: string[], timeoutMs: number): Promise<RunManifest[]> {
  const done: RunManifest[] = [];
  await waitFor(
    async () => {
      done.length = 0;
      for (const id of ids) {
        const m = await manifestOf(id);
        if (m && m.state !== 'active') done.push(m);
      }
      return done.length === ids.length;
    },
    `runs ${ids.join(', ')} to finish (worker output:\n${worker?.output().slice(-3000)})`,
    timeoutMs,
  );
  return done;
}

interface Interval {
  run: string;
  minion: string;
  started: number;
  ended: number;
}

async function intervalOf(id: string): Promise<Interval> {
  const seen = JSON.parse(
    await readFile(path.join(dataDir, 'runs', id, 'raw', 'nap', '1', 'interval.json'), 'utf8'),
  ) as Omit<Interval, 'run'>;
  return { run: id, ...seen };
}

it('two SSH minions in the inventory: the real worker runs their lanes in parallel, each strictly sequential', async () => {
  // First run on each lane: provisioning with the real playbook.
  const t0 = Date.now();
  const first = await Promise.all([enqueue('m1'), enqueue('m2')]);
  const provisioned = await waitForRuns(first, 180_000);
  for (const m of provisioned) {
    expect(m.state, `run ${m.id}: ${m.error}`).toBe('completed');
    expect(m.steps.find((s) => s.name === 'provision')?.status).toBe('ok');
  }
  const provisionMs = Date.now() - t0;

  // Three runs per lane, all enqueued at once.
  const t1 = Date.now();
  const ids = { m1: [] as string[], m2: [] as string[] };
  for (let i = 0; i < 3; i++) {
    ids.m1.push(await enqueue('m1'));
    ids.m2.push(await enqueue('m2'));
  }
  const manifests = await waitForRuns([...ids.m1, ...ids.m2], 120_000);
  const runsMs = Date.now() - t1;
  for (const m of manifests) {
    expect(m.state, `run ${m.id}: ${m.error}`).toBe('completed');
    expect(m.steps.find((s) => s.name === 'provision')?.status).toBe('skipped');
  }
  for (const [minion, list] of Object.entries(ids)) {
    for (const id of list) expect(manifests.find((m) => m.id === id)?.minion).toBe(minion);
  }

  const m1 = await Promise.all(ids.m1.map(intervalOf));
  const m2 = await Promise.all(ids.m2.map(intervalOf));
  expect(new Set(m1.map((i) => i.minion))).toEqual(new Set(['m1']));
  expect(new Set(m2.map((i) => i.minion))).toEqual(new Set(['m2']));
  // Each lane: one run at a time.
  for (const lane of [m1, m2]) {
    const sorted = [...lane].sort((a, b) => a.started - b.started);
    for (let i = 1; i < sorted.length; i++) {
      expect(
        sorted[i]!.started,
        `${sorted[i]!.run} started before ${sorted[i - 1]!.run} ended`,
      ).toBeGreaterThanOrEqual(sorted[i - 1]!.ended);
    }
  }
  // Across minions: runs proceed at the same time.
  const overlaps = m1.flatMap((a) => m2.filter((b) => a.started < b.ended && b.started < a.ended));
  expect(overlaps.length).toBeGreaterThan(0);
  process.stderr.write(
    `fleet-lanes: first runs (provisioning both) ${provisionMs} ms, 3+3 runs ${runsMs} ms, ${overlaps.length} overlapping pairs\n`,
  );
}, 300_000);
