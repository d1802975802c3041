// A fresh influxd has no database: the readiness check creates it when the credentials allow it,
// and otherwise fails with the command that creates it (publishing would retry 404s for hours).
import { ConfigError } from '@benchrunner/core';
import { type Influxd, startInfluxd } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissingDatabaseError } from '../src/errors.ts';
import { InfluxMetricsSink } from '../src/influx-metrics-sink.ts';
import { runPoints } from '../src/run-points.ts';
import { sampleManifest } from './sample-run.ts';

const admin = { username: 'admin', password: 'admin-pw-db-test' };
const writer = { username: 'writer', password: 'writer-pw-db-test' };
let open: Influxd;
let secured: Influxd;

beforeAll(async () => {
  [open, secured] = await Promise.all([startInfluxd(), startInfluxd({ auth: admin, databases: ['other'] })]);
  await secured.query(`CREATE USER "${writer.username}" WITH PASSWORD '${writer.password}'`);
  await secured.query(`GRANT WRITE ON "other" TO "${writer.username}"`);
});
afterAll(async () => {
  await Promise.all([open?.stop(), secured?.stop()]);
});

const databases = async (influxd: Influxd): Promise<unknown[]> =>
  ((await influxd.query('SHOW DATABASES'))[0]?.series?.[0]?.values ?? []).map((row) => row[0]);

describe('InfluxMetricsSink.check on a database that does not exist', () => {
  it('creates it on an influxd without auth, then the run is written', async () => {
    const sink = new InfluxMetricsSink({ api: 'v1', url: open.url, database: 'fresh "one"' });
    await expect(sink.check()).resolves.toBeUndefined();
    expect(await databases(open)).toContain('fresh "one"');
    await expect(sink.write(runPoints(sampleManifest(), {}))).resolves.toEqual({ points: 4 });
    // Once it exists, the check passes without creating anything.
    await expect(sink.check()).resolves.toBeUndefined();
  });

  it('creates it with admin credentials', async () => {
    const sink = new InfluxMetricsSink({ api: 'v1', url: secured.url, database: 'by_admin', ...admin });
    await expect(sink.check()).resolves.toBeUndefined();
    expect(await databases(secured)).toContain('by_admin');
  });

  it('fails with the command that creates it when the user may not', async () => {
    const sink = new InfluxMetricsSink({ api: 'v1', url: secured.url, database: 'by_writer', ...writer });
    const error = await sink.check().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDatabaseError);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('database not found: "by_writer"');
    expect(message).toContain('user writer may not create it');
    expect(message).toContain(
      `curl -XPOST ${secured.url}/query -u ADMIN_USER --data-urlencode 'q=CREATE DATABASE "by_writer"'`,
    );
    expect(message).not.toContain(writer.password);
    expect(await databases(secured)).not.toContain('by_writer');
  });
});
