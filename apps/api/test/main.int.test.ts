import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRedis, laneName, NIGHTLY_SCHEDULER_ID, QUEUE_PREFIX } from '@benchrunner/queue';
import {
  freePort,
  type RedisFixture,
  type Started,
  startProcess,
  startRedis,
  waitFor,
  waitForExit,
} from '@benchrunner/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, REPO_ROOT, SUITE_FILE } from './harness.ts';

const TSX = path.join(REPO_ROOT, 'apps/api/node_modules/.bin/tsx');
/** A commit of the example suite's target (this repository): refs are resolved when a run is accepted. */
const HEAD = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
const MAIN = path.join(REPO_ROOT, 'apps/api/src/main.ts');

let redis: RedisFixture;
let client: Redis;
let started: Started[] = [];

beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url);
  client.on('error', () => undefined);
});
afterEach(async () => {
  await Promise.all(started.map((p) => p.stop()));
  started = [];
});
afterAll(async () => {
  client?.disconnect();
  await redis?.close();
});

/** The API process with exactly these variables (plus PATH and HOME), run from the repository root. */
function startApi(env: Record<string, string>): Started {
  const child = startProcess(TSX, [MAIN], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      SUITE_FILE,
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  started.push(child);
  return child;
}

/** Runs the API until it exits; returns its exit code and output. */
async function exitOf(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const api = startApi(env);
  const code = await waitForExit(api.child, 30_000);
  return { code, output: api.output() };
}

async function listening(port: number, api: Started): Promise<void> {
  await waitFor(
    async () => {
      if (api.child.exitCode !== null) throw new Error(`the API exited: ${api.output()}`);
      return (await fetch(`http://127.0.0.1:${port}/health`)).ok;
    },
    'the API to listen',
    30_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${api.output()}`, { cause: error });
  });
}

/** Starts the API on a free port with these variables and waits until it answers. */
async function serveApi(env: Record<string, string>): Promise<{ api: Started; port: number; base: string }> {
  const port = await freePort();
  const api = startApi({ ...env, PORT: String(port) });
  await listening(port, api);
  return { api, port, base: `http://127.0.0.1:${port}` };
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('refusing to start', () => {
  it('exits 2 naming API_KEYS when no key is set outside local mode, and names each bad variable', async () => {
    const cases: [Record<string, string>, RegExp[]][] = [
      [{ REDIS_URL: redis.url, API_KEYS: '' }, [/API_KEYS is required/]],
      [{ API_KEYS: `${KEYS[0]},short` }, [/API_KEYS/, /16-512 characters/]],
      [{ API_KEYS: KEYS[0], PORT: 'abc' }, [/PORT/]],
      [{ API_KEYS: KEYS[0], NIGHTLY_TZ: 'Mars/Base' }, [/NIGHTLY_TZ/, /time zone/]],
      // Every bad variable at once, each by name.
      [
        {
          API_KEYS: KEYS[0],
          PORT: '70000',
          REDIS_URL: 'not a url',
          GITHUB_WEBHOOK_SECRET: 'short',
          BENCHRUNNER_LOCAL: 'maybe',
          LOG_LEVEL: 'loud',
          BODY_LIMIT_BYTES: '10',
        },
        [/PORT/, /REDIS_URL/, /GITHUB_WEBHOOK_SECRET/, /BENCHRUNNER_LOCAL/, /LOG_LEVEL/, /BODY_LIMIT_BYTES/],
      ],
    ];
    // Two at a time: each process loads the whole app first, and this machine has two cores.
    const results: { code: number | null; output: string }[] = [];
    for (let i = 0; i < cases.length; i += 2) {
      results.push(...(await Promise.all(cases.slice(i, i + 2).map(([env]) => exitOf(env)))));
    }
    results.forEach(({ code, output }, i) => {
      const [env, patterns] = cases[i]!;
      const what = `${JSON.stringify(env)}\n${output}`;
      expect(code, what).toBe(2);
      for (const pattern of patterns) expect(output, what).toMatch(pattern);
      // No stack trace: one clear message.
      expect(output, what).not.toMatch(/\n\s+at /);
    });
  });

  it('exits non-zero naming Redis when none answers at REDIS_URL', async () => {
    const port = await freePort();
    const { code, output } = await exitOf({
      API_KEYS: KEYS[0],
      REDIS_URL: `redis://:hunter2-password@127.0.0.1:${port}`,
    });
    expect(code).not.toBe(0);
    expect(output).toMatch(/Redis/);
    expect(output).toContain(String(port));
    // The password in the URL never reaches the output.
    expect(output).not.toContain('hunter2-password');
  });
});

describe('running', () => {
  it('local mode binds 127.0.0.1 and prints a working key', async () => {
    const { api, port } = await serveApi({
      BENCHRUNNER_LOCAL: 'true',
      HOST: '0.0.0.0',
      REDIS_URL: redis.url,
      NIGHTLY_ENABLED: 'false',
    });
    const key = /API key for this session[^\n]*\n\s*\n\s*(\S+)/.exec(api.output())?.[1];
    expect(key, api.output()).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/runs`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await fetch(`${base}/runs`, { headers: { authorization: `Bearer ${key}x` } })).status).toBe(401);
    expect((await fetch(`${base}/runs`)).status).toBe(401);
    expect(api.output()).toContain(`"url":"http://127.0.0.1:${port}"`);

    // Not reachable on any other address of this machine.
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    for (const address of others) expect(await connects(address, port), address).toBe(false);
    expect(await connects('127.0.0.1', port)).toBe(true);
  });

  it('local mode with API_KEYS uses them and prints no key', async () => {
    const { api, port } = await serveApi({
      BENCHRUNNER_LOCAL: 'true',
      API_KEYS: KEYS.join(','),
      REDIS_URL: redis.url,
      NIGHTLY_ENABLED: 'false',
    });
    expect(api.output()).not.toContain('API key for this session');
    for (const key of KEYS) {
      const response = await fetch(`http://127.0.0.1:${port}/minions`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(response.status).toBe(200);
    }
  });

  it('serves the API with its keys, registers the daily run, and stops on SIGTERM', async () => {
    const { api, port } = await serveApi({
      API_KEYS: ` ${KEYS[0]} , ${KEYS[1]} `,
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      NIGHTLY_CRON: '30 4 * * *',
      NIGHTLY_TZ: 'Europe/Berlin',
      NIGHTLY_COMMIT: 'develop',
    });
    const base = `http://127.0.0.1:${port}`;
    for (const key of KEYS) {
      const response = await fetch(`${base}/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ commit: HEAD, tag: key.slice(0, 4) }),
      });
      expect(response.status).toBe(202);
    }
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    // The keys never reach the log.
    expect(api.output()).not.toContain(KEYS[0]);

    const lane = new Queue(laneName('local'), { connection: client, prefix: QUEUE_PREFIX });
    try {
      const schedulers = await lane.getJobSchedulers();
      expect(schedulers).toHaveLength(1);
      expect(schedulers[0]).toMatchObject({
        key: NIGHTLY_SCHEDULER_ID,
        pattern: '30 4 * * *',
        tz: 'Europe/Berlin',
      });
      expect(schedulers[0]!.template?.data).toMatchObject({ commit: 'develop', priority: 'nightly' });

      await api.stop(10_000);
      expect(api.child.exitCode).toBe(0);
      expect(await connects('127.0.0.1', port)).toBe(false);

      // NIGHTLY_ENABLED=false removes the scheduler on the next start.
      await serveApi({
        API_KEYS: KEYS[0],
        REDIS_URL: redis.url,
        NIGHTLY_ENABLED: 'false',
      });
      expect(await lane.getJobSchedulers()).toEqual([]);
    } finally {
      await lane.close();
    }
  });

  it('reads POST /runs bodies from the socket: 413 and a closed connection past the limit, nothing logged for a client that leaves', async () => {
    const { api, port } = await serveApi({
      API_KEYS: KEYS[0],
      REDIS_URL: redis.url,
      BODY_LIMIT_BYTES: '2048',
    });
    const headers = { authorization: `Bearer ${KEYS[0]}`, 'content-type': 'application/json' };
    // Streamed without content-length (chunked): refused once 2048 bytes have arrived.
    const streamed = await new Promise<{ status?: number; body: string; closed: boolean }>(
      (resolve, reject) => {
        const request = http.request({ port, host: '127.0.0.1', path: '/runs', method: 'POST', headers });
        request.on('error', reject);
        request.on('response', (response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () =>
            resolve({ status: response.statusCode, body, closed: response.headers.connection === 'close' }),
          );
        });
        request.write(`{"commit":"abc1234","tag":"${'x'.repeat(1000)}`);
        request.write('x'.repeat(1500));
        // The rest is never sent: the answer must not wait for it.
      },
    );
    expect(streamed.status).toBe(413);
    expect(streamed.closed).toBe(true);
    expect(JSON.parse(streamed.body).error.details[0].path).toBe('body');

    // A client that sends half a body and goes away: no error in the log, and the API keeps serving.
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEYS[0]}\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"commit":`,
        );
        setTimeout(() => socket.destroy(), 200);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    const after = await fetch(`http://127.0.0.1:${port}/runs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ commit: HEAD }),
    });
    expect(after.status).toBe(202);
    expect(api.output()).not.toMatch(/"level":50/);
  });

  it('reports a Redis outage as log lines, answers 503 and recovers', async () => {
    const { api, port } = await serveApi({
      API_KEYS: KEYS[0],
      REDIS_URL: redis.url,
      NIGHTLY_ENABLED: 'false',
    });
    const base = `http://127.0.0.1:${port}`;
    const before = api.output().length;
    await redis.stop();
    try {
      const ready = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(4000) });
      expect(ready.status).toBe(503);
      await waitFor(
        () => api.output().slice(before).includes('redis connection error'),
        'the outage in the log',
      );
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await redis.start();
    }
    await waitFor(async () => (await fetch(`${base}/ready`)).ok, '/ready to recover', 15_000);
    const during = api.output().slice(before);
    // Every line is a structured log line: no raw stack traces from an unheard 'error' event.
    const stray = during.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{'));
    expect(stray, during).toEqual([]);
  });
});
