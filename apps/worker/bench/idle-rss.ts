// Idle resident memory of the API and worker processes, started as `pnpm start` starts them
// (node --import tsx src/main.ts), next to a bare node process and a node process with only the tsx
// loader. Writes the 'idle-rss' section of docs/BENCHMARKS.md.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  markdownTable,
  recordBenchmark,
  type Started,
  startProcess,
  startRedis,
  waitForPort,
} from '@benchrunner/testing';

const WORKER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const API_DIR = path.resolve(WORKER_DIR, '..', 'api');
const REPO = path.resolve(WORKER_DIR, '../..');
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 5000);
const TARGET_MB = 120;

async function statusKb(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
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
  const port = await freePort();
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
  add(
    'API (`node --import tsx src/main.ts`)',
    ['--import', 'tsx', 'src/main.ts'],
    API_DIR,
    {
      ...common,
      PORT: String(port),
      HOST: '127.0.0.1',
      API_KEYS: 'bench-key-0123456789abcdef',
    },
    () =>
      waitForPort(port, '127.0.0.1', 200).then(
        () => true,
        () => false,
      ),
  );
  add(
    'worker (`node --import tsx src/main.ts`)',
    ['--import', 'tsx', 'src/main.ts'],
    WORKER_DIR,
    common,
    (p) => p.output().includes('worker ready'),
  );

  for (const p of processes) {
    await until(
      async () => {
        if (p.proc.child.exitCode !== null) throw new Error(`${p.label} exited: ${p.proc.output()}`);
        return p.ready();
      },
      60_000,
      `${p.label} to be ready`,
    );
  }
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const rows: (string | number)[][] = [];
  const results: Record<string, number> = {};
  for (const p of processes) {
    const pid = p.proc.child.pid!;
    const rss = (await statusKb(pid, 'VmRSS')) / 1024;
    const hwm = (await statusKb(pid, 'VmHWM')) / 1024;
    results[p.label] = rss;
    rows.push([p.label, rss.toFixed(1), hwm.toFixed(1)]);
  }
  const api = results['API (`node --import tsx src/main.ts`)'] ?? 0;
  const worker = results['worker (`node --import tsx src/main.ts`)'] ?? 0;
  const loader =
    (results['`node --import tsx` (an idle timer): the loader alone'] ?? 0) -
    (results['bare `node` (an idle timer)'] ?? 0);
  const body = [
    `Each process started the way \`pnpm start\` starts it (one node process with the tsx loader, no wrapper), against a fresh redis-server, the example suite and the local minion; read from /proc/<pid>/status after it was ready and idle for ${IDLE_MS / 1000} s. The RSS includes the tsx loader (its esbuild transform and module hooks thread), which a build with esbuild would drop: the loader alone costs about ${loader.toFixed(0)} MB here.`,
    '',
    markdownTable(['process', 'VmRSS (MB)', 'peak VmHWM (MB)'], rows),
    '',
    `API: **${api.toFixed(1)} MB**, worker: **${worker.toFixed(1)} MB** (target < ${TARGET_MB} MB each: ${api < TARGET_MB && worker < TARGET_MB ? 'met' : 'missed'}).`,
  ].join('\n');
  process.stdout.write(`${body}\n`);
  await recordBenchmark('idle-rss', 'Idle RSS of the API and the worker', body);
} finally {
  await Promise.all(started.map((p) => p.stop(3000)));
  await redis.close();
  await rm(tmp, { recursive: true, force: true });
}
