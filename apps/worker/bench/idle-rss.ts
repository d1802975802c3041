// Idle resident memory of the API and worker processes as production runs them (`node dist/main.js`,
// the esbuild bundles of scripts/build-app.mjs, as the Dockerfiles and `pnpm start` run them), next to
// the same apps from source with the tsx loader, a bare node process and one with only the tsx loader.
// Writes the 'idle-rss' section of docs/BENCHMARKS.md.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  freePort,
  markdownTable,
  recordBenchmark,
  type Started,
  startProcess,
  startRedis,
  waitFor,
  waitForPort,
} from '@benchrunner/testing';

const WORKER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const API_DIR = path.resolve(WORKER_DIR, '..', 'api');
const REPO = path.resolve(WORKER_DIR, '../..');
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 5000);
const TARGET_MB = 120;
const BUNDLED = '`node dist/main.js`';
const TSX = '`node --import tsx src/main.ts`';
const WITH_MAPS = 'worker (`node --enable-source-maps dist/main.js`)';

async function statusKb(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

// The bundles under test, built the way `pnpm build` and the Dockerfiles build them.
for (const dir of [API_DIR, WORKER_DIR]) {
  await promisify(execFile)(process.execPath, [path.join(REPO, 'scripts', 'build-app.mjs')], { cwd: dir });
}

const redis = await startRedis();
const tmp = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-bench-rss-'));
const started: Started[] = [];
try {
  const idle = path.join(tmp, 'idle.ts');
  await writeFile(idle, 'setInterval(() => {}, 1000);\n');
  const common = {
    ...process.env,
    REDIS_URL: redis.url,
    DATA_DIR: path.join(tmp, 'data'),
    SUITE_FILE: path.join(REPO, 'examples', 'suite.yaml'),
    LOG_LEVEL: 'info',
  };
  const processes: { label: string; proc: Started; ready: () => Promise<boolean> | boolean }[] = [];
  const add = (
    label: string,
    args: string[],
    cwd: string,
    env: NodeJS.ProcessEnv,
    ready: (p: Started) => Promise<boolean> | boolean,
  ) => {
    const proc = startProcess(process.execPath, args, { cwd, env });
    started.push(proc);
    processes.push({ label, proc, ready: () => ready(proc) });
  };
  add('bare `node` (an idle timer)', [idle], tmp, process.env, () => true);
  add(
    '`node --import tsx` (an idle timer): the loader alone',
    ['--import', 'tsx', idle],
    WORKER_DIR,
    process.env,
    () => true,
  );
  const apiEnv = { ...common, HOST: '127.0.0.1', API_KEYS: 'bench-key-0123456789abcdef' };
  const apiReady = (port: number) => () =>
    waitForPort(port, '127.0.0.1', 200).then(
      () => true,
      () => false,
    );
  const workerReady = (p: Started) => p.output().includes('worker ready');
  for (const [how, args] of [
    [BUNDLED, ['dist/main.js']],
    [TSX, ['--import', 'tsx', 'src/main.ts']],
  ] as const) {
    const port = await freePort();
    add(`API (${how})`, [...args], API_DIR, { ...apiEnv, PORT: String(port) }, apiReady(port));
    add(`worker (${how})`, [...args], WORKER_DIR, common, workerReady);
  }
  add(WITH_MAPS, ['--enable-source-maps', 'dist/main.js'], WORKER_DIR, common, workerReady);

  for (const p of processes) {
    await waitFor(
      async () => p.proc.child.exitCode !== null || (await p.ready()),
      `${p.label} to be ready`,
      60_000,
    );
    if (p.proc.child.exitCode !== null) throw new Error(`${p.label} exited: ${p.proc.output()}`);
  }
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const rows: (string | number)[][] = [];
  const results: Record<string, number> = {};
  for (const p of processes) {
    const pid = p.proc.child.pid!;
    const now = (await statusKb(pid, 'VmRSS')) / 1024;
    const peak = (await statusKb(pid, 'VmHWM')) / 1024;
    results[p.label] = now;
    rows.push([p.label, now.toFixed(1), peak.toFixed(1)]);
  }
  const rss = (label: string) => results[label] ?? Number.NaN;
  const api = rss(`API (${BUNDLED})`);
  const worker = rss(`worker (${BUNDLED})`);
  const loader =
    rss('`node --import tsx` (an idle timer): the loader alone') - rss('bare `node` (an idle timer)');
  const body = [
    `Each process started as one node process (no wrapper) against a fresh redis-server, the example suite and the local minion; read from /proc/<pid>/status after all were ready and idle for ${IDLE_MS / 1000} s. Production (the Dockerfiles, \`pnpm start\`) runs ${BUNDLED}: the esbuild bundle of scripts/build-app.mjs, plain JavaScript. The ${TSX} rows are the same apps from source with the tsx loader, for comparison: the loader alone costs about ${loader.toFixed(0)} MB here (its esbuild transform and module hooks thread). Source maps stay off in production: \`--enable-source-maps\` parses the bundle's map at start and costs ${(rss(WITH_MAPS) - worker).toFixed(0)} MB more on the worker.`,
    '',
    markdownTable(['process', 'VmRSS (MB)', 'peak VmHWM (MB)'], rows),
    '',
    `Bundled API: **${api.toFixed(1)} MB** (${(api / rss(`API (${TSX})`)).toFixed(2)}x of tsx), bundled worker: **${worker.toFixed(1)} MB** (${(worker / rss(`worker (${TSX})`)).toFixed(2)}x of tsx); target < ${TARGET_MB} MB each: ${api < TARGET_MB && worker < TARGET_MB ? 'met' : 'missed'}.`,
  ].join('\n');
  process.stdout.write(`${body}\n`);
  await recordBenchmark('idle-rss', 'Idle RSS of the API and the worker', body);
} finally {
  await Promise.all(started.map((p) => p.stop(3000)));
  await redis.close();
  await rm(tmp, { recursive: true, force: true });
}
