// No InfluxDB 2.x/3.x exists on this machine, so the /api/v2/write path is checked against a
// request recorder on 127.0.0.1 that answers like InfluxDB 2.x does. The 1.x /write path is
// tested against a real influxd in influx-v1.int.test.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '@benchrunner/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MissingDatabaseError, SinkRejectedError, SinkUnavailableError } from '../src/errors.ts';
import { InfluxMetricsSink } from '../src/influx-metrics-sink.ts';
import { runPoints } from '../src/run-points.ts';
import { sampleManifest } from './sample-run.ts';

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base: string;
const requests: Recorded[] = [];
let answer: { status: number; body?: string; type?: string } = { status: 204 };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(answer.status, answer.body ? { 'content-type': answer.type ?? 'application/json' } : {});
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests.length = 0;
  answer = { status: 204 };
});

const v2 = (batchSize?: number) =>
  new InfluxMetricsSink({
    api: 'v2',
    url: `${base}/`,
    org: 'my org',
    bucket: 'bench/autogen',
    token: 's3cret',
    batchSize,
  });

describe('InfluxMetricsSink on /api/v2/write (request recorder)', () => {
  it('posts line protocol with the token header, org, bucket and ns precision', async () => {
    const points = runPoints(sampleManifest());
    await expect(v2().write(points)).resolves.toEqual({ points: 4 });
    expect(requests).toHaveLength(1);
    const [req] = requests;
    expect(req?.method).toBe('POST');
    const url = new URL(req?.url ?? '', base);
    expect(url.pathname).toBe('/api/v2/write');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      org: 'my org',
      bucket: 'bench/autogen',
      precision: 'ns',
    });
    expect(req?.headers.authorization).toBe('Token s3cret');
    expect(req?.headers['content-type']).toBe('text/plain; charset=utf-8');
    const lines = req?.body.split('\n') ?? [];
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^benchmark,benchmark=add,branch=main,case=add\\ file,file_set=One4MBFile,/);
    expect(lines[3]).toMatch(/^run,/);
  });

  it('sends one request per batch', async () => {
    const points = Array.from({ length: 5 }, (_, i) => ({
      measurement: 'm',
      tags: {},
      fields: { v: i },
      timestamp: BigInt(i),
    }));
    await v2(2).write(points);
    expect(requests.map((r) => r.body.split('\n').length)).toEqual([2, 2, 1]);
  });

  it('maps 401, 404 and 400 to permanent errors carrying the server message', async () => {
    for (const [status, message] of [
      [401, 'unauthorized access'],
      [404, 'bucket "bench/autogen" not found'],
      [400, 'unable to parse line'],
    ] as const) {
      answer = { status, body: JSON.stringify({ code: 'x', message }) };
      const error = await v2()
        .write(runPoints(sampleManifest()))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SinkRejectedError);
      expect((error as SinkRejectedError).status).toBe(status);
      expect((error as Error).message).toContain(`answered ${status}: ${message}`);
      expect((error as Error).message).not.toContain('s3cret');
    }
  });

  it('maps 429 and 503 to retryable errors', async () => {
    for (const status of [429, 503]) {
      answer = { status, body: 'busy', type: 'text/plain' };
      const error = await v2()
        .write(runPoints(sampleManifest()))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SinkUnavailableError);
      expect((error as Error).message).toContain(`answered ${status}: busy`);
    }
  });

  it('checks readiness with an empty write: accepted when only the body is refused', async () => {
    answer = { status: 400, body: JSON.stringify({ code: 'invalid', message: 'writing requires points' }) };
    await expect(v2().check()).resolves.toBeUndefined();
    expect(requests[0]?.body).toBe('');
    answer = { status: 401, body: JSON.stringify({ code: 'unauthorized', message: 'unauthorized access' }) };
    const error = await v2()
      .check()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('unauthorized access');
  });

  it('explains how to create a missing bucket, and creates nothing', async () => {
    answer = {
      status: 404,
      body: JSON.stringify({ code: 'not found', message: 'bucket "bench/autogen" not found' }),
    };
    const error = await v2()
      .check()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDatabaseError);
    expect((error as Error).message).toContain(
      `bucket "bench/autogen" not found. Create the bucket: influx bucket create --name bench/autogen --org 'my org'`,
    );
    expect(requests).toHaveLength(1);
  });

  it('refuses a URL with credentials in it', () => {
    expect(() => new InfluxMetricsSink({ api: 'v2', url: 'http://u:p@127.0.0.1:8086', bucket: 'b' })).toThrow(
      ConfigError,
    );
  });
});
