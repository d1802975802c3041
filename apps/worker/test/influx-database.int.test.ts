// Pointed at an influxd without its database, the worker creates it when its credentials allow
// it, and otherwise stops at start with the command that creates it, instead of retrying every
// run's publishing on 404s for hours.
import {
  type Influxd,
  type RedisFixture,
  startInfluxd,
  startProcess,
  startRedis,
  waitForExit,
} from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReadyWorker, tempRoot, WORKER_DIR } from './helpers-publish.ts';

const ADMIN = { username: 'admin', password: 'admin-pw-worker-db' };
const WRITER = { username: 'writer', password: 'writer-pw-worker-db' };

let influxd: Influxd;
let redis: RedisFixture;
let root: string;

beforeAll(async () => {
  [influxd, redis, root] = await Promise.all([
    startInfluxd({ auth: ADMIN }),
    startRedis(),
    tempRoot('influx-database'),
  ]);
  await influxd.query(`CREATE USER "${WRITER.username}" WITH PASSWORD '${WRITER.password}'`);
});
afterAll(async () => {
  await Promise.all([influxd?.stop(), redis?.close()]);
});

const env = (database: string, user: { username: string; password: string }): NodeJS.ProcessEnv => ({
  REDIS_URL: redis.url,
  DATA_DIR: root,
  INFLUX_URL: influxd.url,
  INFLUX_DB: database,
  INFLUX_USERNAME: user.username,
  INFLUX_PASSWORD: user.password,
});

const databases = async (): Promise<unknown[]> =>
  ((await influxd.query('SHOW DATABASES'))[0]?.series?.[0]?.values ?? []).map((row) => row[0]);

describe('the worker on an InfluxDB without its database', () => {
  it('creates the database when its user may', async () => {
    const worker = await startReadyWorker(
      ['--import', 'tsx', 'src/main.ts'],
      env('created_by_worker', ADMIN),
    );
    try {
      expect(worker.output()).toContain('"sink ready"');
      expect(await databases()).toContain('created_by_worker');
    } finally {
      await worker.stop();
    }
  });

  it('stops at start with the command that creates it when its user may not', async () => {
    const worker = startProcess(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: WORKER_DIR,
      env: { ...process.env, LOG_LEVEL: 'info', ...env('benchmarks', WRITER) },
    });
    try {
      const code = await waitForExit(worker.child, 60_000);
      expect(code).toBe(1);
      expect(worker.output()).toContain('database not found: "benchmarks"');
      expect(worker.output()).toContain(
        `curl -XPOST ${influxd.url}/query -u ADMIN_USER --data-urlencode 'q=CREATE DATABASE "benchmarks"'`,
      );
      expect(worker.output()).not.toContain('"worker ready"');
      expect(worker.output()).not.toContain(WRITER.password);
    } finally {
      await worker.stop();
    }
  });
});
