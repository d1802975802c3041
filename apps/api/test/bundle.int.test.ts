// The production build: apps/api/dist/main.js (esbuild bundle, plain node, no tsx) started as a real
// process against a real redis-server, from a folder that is not the app's, answering the probes,
// POST /runs, the offline docs and Bull Board with the files of the external packages.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
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

const API_DIR = path.join(REPO_ROOT, 'apps', 'api');
const BUNDLE = path.join(API_DIR, 'dist', 'main.js');

let redis: RedisFixture;
let api: Started;
let cwd: string;
let base: string;

const bearer = { authorization: `Bearer ${KEYS[0]}` };
const basic = { authorization: `Basic ${Buffer.from(`admin:${KEYS[1]}`).toString('base64')}` };

beforeAll(async () => {
  // The build under test, exactly as `pnpm --filter @benchrunner/api build` bundles it.
  await rm(path.join(API_DIR, 'dist'), { recursive: true, force: true });
  await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-app.mjs')], {
    cwd: API_DIR,
  });
  [redis, cwd] = await Promise.all([
    startRedis(),
    mkdtemp(path.join(os.tmpdir(), 'benchrunner-api-bundle-')),
  ]);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // Started from elsewhere: what the bundle reads at runtime must not depend on the working folder.
  api = startProcess(process.execPath, [BUNDLE], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      REDIS_URL: redis.url,
      DATA_DIR: path.join(cwd, 'data'),
      SUITE_FILE,
      API_KEYS: KEYS.join(','),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
    },
  });
  await waitFor(
    async () => api.child.exitCode === null && (await fetch(`${base}/health`)).ok,
    'the API bundle to listen',
    30_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${api.output()}`, { cause: error });
  });
});

afterAll(async () => {
  await api?.stop();
  await redis?.close();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

describe('the API bundle (dist/main.js)', () => {
  it('is plain JavaScript with only the native better-sqlite3 left outside: ssh code is not in it at all', async () => {
    const code = await readFile(BUNDLE, 'utf8');
    const imports = [...code.matchAll(/^import\s.*?from\s+"([^"]+)";?$/gm)].map((m) => m[1]!);
    expect(imports.filter((spec) => !isBuiltin(spec))).toEqual(['better-sqlite3']);
    // The inventory reader does not pull node-ssh or the ssh2 addon into the API.
    expect(code).not.toMatch(/NodeSSH|__require\("ssh2"\)/);
    expect(existsSync(`${BUNDLE}.map`)).toBe(true);
  });

  it('reads the results history from SQLite in DATA_DIR (the native addon resolves from dist/)', async () => {
    const series = await fetch(`${base}/series`, { headers: bearer });
    expect(series.status).toBe(200);
    expect(await series.json()).toEqual({ series: [] });
    expect(existsSync(path.join(cwd, 'data', 'results.sqlite'))).toBe(true);
    const unknown = await fetch(`${base}/history?benchmark=add&measure=latency`, { headers: bearer });
    expect(unknown.status).toBe(400);
  });

  it('answers /health and /ready', async () => {
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('accepts POST /runs with a key and refuses it without one', async () => {
    // A commit of the example suite's target (this repository): refs are resolved when a run is accepted.
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const body = JSON.stringify({ commit: head });
    const headers = { 'content-type': 'application/json' };
    expect((await fetch(`${base}/runs`, { method: 'POST', headers, body })).status).toBe(401);
    const accepted = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { ...headers, ...bearer },
      body,
    });
    expect(accepted.status).toBe(202);
    const run = (await accepted.json()) as { id: string; minion: string };
    expect(run.minion).toBe('local');
    const view = await fetch(`${base}/runs/${run.id}`, { headers: bearer });
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({ id: run.id, state: 'waiting' });
  });

  it('serves /docs with the swagger-ui-dist files', async () => {
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/docs/assets/swagger-ui-bundle.js');
    const script = await fetch(`${base}/docs/assets/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(100_000);
    const css = await fetch(`${base}/docs/assets/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(await css.text()).toContain('.swagger-ui');
    expect((await fetch(`${base}/openapi.json`)).status).toBe(200);
  });

  it('serves Bull Board under /ui with basic auth, its page, static files and queues', async () => {
    expect((await fetch(`${base}/ui`)).status).toBe(401);
    const page = await fetch(`${base}/ui`, { headers: basic });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>benchrunner</title>');
    const asset = /(?:src|href)="([^"]*static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const file = await fetch(new URL(asset!, `${base}/ui/`), { headers: basic });
    expect(file.status).toBe(200);
    expect((await file.text()).length).toBeGreaterThan(1000);
    const queues = await fetch(`${base}/ui/api/queues`, { headers: basic });
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: { name: string }[] }).queues.map((q) => q.name);
    expect(names.sort()).toEqual(['publish', 'runs-local']);
  });
});
