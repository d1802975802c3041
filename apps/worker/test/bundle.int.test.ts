// The production build: apps/worker/dist/main.js (esbuild bundle, plain node, no tsx) started as a
// real process against a real redis-server. It runs a tiny seed-format suite end to end, publishes
// the run to the default CAR store, and starts with an inventory whose SSH minion is unreachable.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { readReceipts } from '@benchrunner/archive';
import type { RunManifest } from '@benchrunner/core';
import { createRedis, enqueueRun, laneName, PUBLISH_QUEUE, QUEUE_PREFIX } from '@benchrunner/queue';
import { freePort, type RedisFixture, type Started, startRedis } from '@benchrunner/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRequest, startReadyWorker, tempRoot, WORKER_DIR, waitForJobState } from './helpers-publish.ts';

const run = promisify(execFile);
const REPO = path.resolve(WORKER_DIR, '../..');
const BUNDLE = path.join(WORKER_DIR, 'dist', 'main.js');

/** One benchmark that writes its result with the example suite's own seed-format writer. */
const BENCH = `
import { result, write } from ${JSON.stringify(path.join(REPO, 'examples', 'lib', 'output.mjs'))};
const started = process.hrtime();
await new Promise((r) => setTimeout(r, 20));
write('tiny', [result({ name: 'tiny', description: 'bundle test', fileSet: 'none', file: 'none', hrtime: process.hrtime(started), warmup: false })]);
`;

let redis: RedisFixture;
let root: string;
let suiteFile: string;
let connection: Redis;
const workers: Started[] = [];

beforeAll(async () => {
  // The build under test, exactly as `pnpm --filter @benchrunner/worker build` bundles it.
  await rm(path.join(WORKER_DIR, 'dist'), { recursive: true, force: true });
  await run(process.execPath, [path.join(REPO, 'scripts', 'build-app.mjs')], { cwd: WORKER_DIR });
  [redis, root] = await Promise.all([startRedis(), tempRoot('bundle')]);
  connection = createRedis(redis.url);
  const suiteDir = path.join(root, 'suite');
  await mkdir(suiteDir);
  await writeFile(path.join(suiteDir, 'tiny.mjs'), BENCH);
  suiteFile = path.join(suiteDir, 'suite.yaml');
  await writeFile(
    suiteFile,
    'project: bundle-test\nbenchmarks:\n  - name: tiny\n    command: [node, tiny.mjs]\n    format: seed\n',
  );
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  connection?.disconnect();
  await redis?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

/** `node dist/main.js` in apps/worker (as the Dockerfile and `pnpm start` run it), waited for until ready. */
async function startBundle(name: string, env: Record<string, string> = {}): Promise<Started> {
  const worker = await startReadyWorker(['dist/main.js'], {
    REDIS_URL: redis.url,
    DATA_DIR: path.join(root, name),
    SUITE_FILE: suiteFile,
    ...env,
  });
  workers.push(worker);
  return worker;
}

describe('the worker bundle (dist/main.js)', () => {
  it('is plain JavaScript with only the native ssh2 and better-sqlite3 left outside, resolvable from dist/', async () => {
    const code = await readFile(BUNDLE, 'utf8');
    const imports = [...code.matchAll(/^import\s.*?from\s+"([^"]+)";?$/gm)].map((m) => m[1]!);
    const packages = imports.filter((spec) => !isBuiltin(spec));
    expect(packages.sort()).toEqual(['better-sqlite3', 'ssh2']);
    expect(code).not.toMatch(/from\s+"@benchrunner\//);
    expect(existsSync(`${BUNDLE}.map`)).toBe(true);
  });

  it('runs a seed-format suite end to end and publishes the run to the CAR store', async () => {
    const worker = await startBundle('car');
    const lane = new Queue(laneName('local'), { connection, prefix: QUEUE_PREFIX });
    const publish = new Queue(PUBLISH_QUEUE, { connection, prefix: QUEUE_PREFIX });
    try {
      const { id } = await enqueueRun(lane, runRequest('c0ffee00'.repeat(5)));
      await waitForJobState(lane, id, ['completed', 'failed'], 60_000);
      const job = await lane.getJob(id);
      expect(job?.failedReason).toBeUndefined();
      expect(await job?.getState()).toBe('completed');

      const archiveRoot = path.join(root, 'car', 'runs');
      const manifest = JSON.parse(
        await readFile(path.join(archiveRoot, id, 'manifest.json'), 'utf8'),
      ) as RunManifest;
      expect(JSON.stringify(manifest)).toContain('"tiny"');
      expect(JSON.stringify(manifest.results)).toContain('"latency"');

      expect(await waitForJobState(publish, `publish-${id}`, ['completed', 'failed'], 60_000)).toBe(
        'completed',
      );
      const receipts = await readReceipts(archiveRoot, id);
      expect(receipts.artifacts).toMatchObject({ store: 'car', file: path.join(archiveRoot, `${id}.car`) });
      expect(receipts.artifacts?.cid).toMatch(/^bafy/);
      expect(existsSync(path.join(archiveRoot, `${id}.car`))).toBe(true);
      // The embedded results database (native better-sqlite3, loaded from dist/) has the run.
      expect(receipts.results).toMatchObject({ db: 'sqlite', cid: receipts.artifacts?.cid });
      expect(receipts.results?.points).toBeGreaterThan(0);
      expect(existsSync(path.join(root, 'car', 'results.sqlite'))).toBe(true);
      expect(worker.child.exitCode).toBeNull();
    } finally {
      await lane.close();
      await publish.close();
    }
  });

  it('starts with an inventory whose one SSH minion is unreachable: its lane exists, its run fails to connect', async () => {
    const dir = path.join(root, 'inventory');
    await mkdir(dir, { recursive: true });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'id_ed25519')]);
    const closedPort = await freePort();
    const inventory = path.join(dir, 'inventory.yaml');
    await writeFile(
      inventory,
      `all:
  children:
    minions:
      hosts:
        far-away:
          ansible_host: 127.0.0.1
          ansible_port: ${closedPort}
          ansible_user: bench
          ansible_ssh_private_key_file: id_ed25519
          benchrunner_host_keys: [SHA256:${'A'.repeat(43)}]
`,
    );
    const worker = await startBundle('inventory', { INVENTORY_FILE: inventory });
    expect(worker.output()).toMatch(/"minions":\["far-away"\].*"worker ready"/);
    const lane = new Queue(laneName('far-away'), { connection, prefix: QUEUE_PREFIX });
    try {
      expect(await lane.getGlobalConcurrency()).toBe(1);
      // The run goes through the bundled node-ssh and the external ssh2 addon and fails to connect.
      const { id } = await enqueueRun(lane, { ...runRequest('deadbeef'.repeat(5)), minion: 'far-away' });
      expect(await waitForJobState(lane, id, ['completed', 'failed'], 60_000)).toBe('failed');
      expect((await lane.getJob(id))?.failedReason).toMatch(/cannot connect to .*127\.0\.0\.1.*ECONNREFUSED/);
      expect(worker.child.exitCode).toBeNull();
    } finally {
      await lane.close();
    }
  });

  it('finds the minion playbook from dist/ (packages/ansible resolves it relative to import.meta.url)', async () => {
    const code = await readFile(BUNDLE, 'utf8');
    const relative = /"(\.\.\/\.\.\/\.\.\/infrastructure\/ansible\/playbooks\/minion\.yaml)"/.exec(code)?.[1];
    expect(relative).toBeDefined();
    expect(existsSync(path.resolve(path.dirname(BUNDLE), relative!))).toBe(true);
  });
});
