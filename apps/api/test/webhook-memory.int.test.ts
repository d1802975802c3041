import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import {
  freePort,
  type RedisFixture,
  type Started,
  startProcess,
  startRedis,
  waitFor,
} from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, REPO_ROOT, SUITE_FILE } from './harness.ts';

const SECRET = 'webhook-secret-0123456789';
const LOADER = path.join(REPO_ROOT, 'apps/api/node_modules/tsx/dist/loader.mjs');
const MAIN = path.join(REPO_ROOT, 'apps/api/src/main.ts');
const MB = 1024 * 1024;
// The example suite has a target (this repository): a push must name a commit it has.
const HEAD = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();

let redis: RedisFixture;
let api: Started;
let port: number;

beforeAll(async () => {
  redis = await startRedis();
  port = await freePort();
  // One node process (no tsx wrapper), so its /proc status is the API's own.
  api = startProcess(process.execPath, ['--import', LOADER, MAIN], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      SUITE_FILE,
      REDIS_URL: redis.url,
      API_KEYS: KEYS[0],
      PORT: String(port),
      HOST: '127.0.0.1',
      GITHUB_WEBHOOK_SECRET: SECRET,
      NIGHTLY_ENABLED: 'false',
      LOG_LEVEL: 'warn',
    },
  });
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok,
    'the API to listen',
    60_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${api.output()}`, { cause: error });
  });
});
afterAll(async () => {
  await api?.stop();
  await redis?.close();
});

/** VmRSS and VmHWM (peak) of the API process, in MB. */
async function memory(): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${api.child.pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1]) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** POSTs `body` to the webhook over a real socket; resolves with the status (0: the API hung up). */
function post(body: Buffer, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/webhooks/github',
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          'x-github-event': 'push',
          'x-github-delivery': 'memory-test',
          'x-hub-signature-256': signature,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve(0) : reject(error),
    );
    request.end(body);
  });
}

describe('POST /webhooks/github under large unsigned bodies', () => {
  it('does not buffer a body before its signature is checked: 16 x 25 MB keep the API small', async () => {
    // A 25 MB JSON object (the largest GitHub sends) signed with the wrong secret: the API must
    // read it all to know the signature is wrong.
    const filler = 'x'.repeat(25 * MB - 64);
    const body = Buffer.from(JSON.stringify({ after: HEAD, filler }));
    expect(body.length).toBeLessThanOrEqual(25 * MB);
    const wrong = `sha256=${createHmac('sha256', 'not-the-secret-0123456789').update(body).digest('hex')}`;
    const before = await memory();
    const statuses = await Promise.all(Array.from({ length: 16 }, () => post(body, wrong)));
    expect(statuses).toEqual(Array(16).fill(401));
    const after = await memory();
    // Buffering each body costs 16 x 25 MB = 400 MB at peak; streaming it through the HMAC costs a
    // few chunks per request. 100 MB leaves room for the garbage collector's own slack.
    expect(after.peak - before.rss, JSON.stringify({ before, after })).toBeLessThan(100);

    // The same body signed with the secret is a push like any other: its run is queued.
    const signed = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    expect(await post(body, signed)).toBe(202);
  });
});
