import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  needsProvisioning,
  provisionIfNeeded,
  suiteContentHash,
  suiteDirOnMinion,
} from '@benchrunner/ansible';
import {
  CancelledError,
  type Minion,
  parseSuite,
  type RunJobData,
  type RunManifest,
  type Suite,
} from '@benchrunner/core';
import { ConnectionError, HostKeyError, LockedError, SshRunner } from '@benchrunner/ssh';
import { type SshdFixture, startSshd } from '@benchrunner/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Provisioner } from '../src/context.ts';
import { runPipeline } from '../src/pipeline.ts';

const run = promisify(execFile);

/**
 * The test suite's one script. MODE=ok writes a seed result (and what it received in `seen.json`
 * beside it, for the hostile-values test); MODE=sleep starts a `sleep` child, says so, and waits
 * for it (a long benchmark with a process tree, for cancel and cut connections).
 */
const BENCH = `
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
const name = process.env.BENCHRUNNER_BENCHMARK;
const out = process.env.OUT_FOLDER;
const started = Date.now();
if (process.env.MODE === 'sleep') {
  const child = spawn('sleep', [process.env.SLEEP_S ?? '30'], { stdio: 'ignore' });
  console.log('sleeping in child ' + child.pid);
  await new Promise((resolve) => child.on('exit', resolve));
}
mkdirSync(out, { recursive: true });
writeFileSync(out + '/seen.json', JSON.stringify({
  commit: process.env.BENCHRUNNER_COMMIT,
  tag: process.env.BENCHRUNNER_TAG ?? null,
  hostile: process.env.HOSTILE ?? null,
  started,
  ended: Date.now(),
}));
writeFileSync(out + '/' + name + '.json', JSON.stringify([{
  name, warmup: 'off', description: 'ssh test', file_set: 'none', date: new Date().toISOString(), file: 'none',
  meta: { project: 'ssh-test', commit: process.env.BENCHRUNNER_COMMIT, version: '1', branch: 'b', guid: 'g' },
  duration: { s: 0, ms: Date.now() - started }, cpu: 1, loadAvg: [0, 0, 0], memory: 1024,
}]));
`;

/** Marker files a value would create if any shell evaluated it. */
const markerDir = path.join(os.tmpdir(), `benchrunner-pwned-${process.pid}-${Date.now()}`);
const marker = (n: number) => `${markerDir}-${n}`;
const hostile = (n: number) =>
  `$(touch ${marker(n)})\`touch ${marker(n + 1)}\`; touch ${marker(n + 2)} && echo "it's" 'a \\' test'\n` +
  `touch ${marker(n + 3)} | touch ${marker(n + 4)} & ) ( \${HOME} %s \\n`;

const SUITE = `project: ssh-test
benchmarks:
  - name: quick
    command: [node, bench.mjs]
    env: { MODE: ok }
  - name: hostile
    command: [node, bench.mjs]
    env:
      MODE: ok
      HOSTILE: ${JSON.stringify(hostile(20))}
  - name: sleep
    command: [node, bench.mjs]
    timeout: 120
    env: { MODE: sleep, SLEEP_S: "30" }
  - name: short-sleep
    command: [node, bench.mjs]
    timeout: 60
    env: { MODE: sleep, SLEEP_S: "2" }
`;

let sshd: SshdFixture;
let minion: Extract<Minion, { kind: 'ssh' }>;
let root: string;
let suite: Suite;
let counter = 0;
const runners: SshRunner[] = [];

/** Real Ansible (the repository's minion playbook, without the profilers this file does not use). */
const provisioner: Provisioner = {
  async needed(runner, s) {
    return (await needsProvisioning(runner, await suiteContentHash(s.dir))) ? 'suite changed' : null;
  },
  async provision(runner, s, { signal }) {
    await provisionIfNeeded({
      minion,
      runner,
      suiteDir: s.dir,
      force: true,
      extraVars: { benchrunner_install_profilers: false },
      signal,
    });
  },
  suiteDir: (runner) => suiteDirOnMinion(runner.workDir),
};

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-ssh-pipeline-'));
  await chmod(root, 0o755);
  sshd = await startSshd();
  minion = sshd.minion('ssh-minion');
  const suiteDir = path.join(root, 'suite');
  await run('mkdir', ['-p', suiteDir]);
  await writeFile(path.join(suiteDir, 'bench.mjs'), BENCH);
  await writeFile(path.join(suiteDir, 'suite.yaml'), SUITE);
  suite = parseSuite(SUITE, path.join(suiteDir, 'suite.yaml'));
  // Provision once for the whole file: every run below finds the minion up to date.
  const runner = await connect();
  const t0 = Date.now();
  const outcome = await provisionIfNeeded({
    minion,
    runner,
    suiteDir,
    extraVars: { benchrunner_install_profilers: false },
  });
  expect(outcome.provisioned).toBe(true);
  process.stderr.write(`ssh-runs: provisioned in ${Date.now() - t0} ms\n`);
  await runner.close();
});

afterAll(async () => {
  for (const r of runners) await r.close().catch(() => undefined);
  await sshd?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  for (let n = 0; n < 40; n++) await rm(marker(n), { force: true });
});

async function connect(): Promise<SshRunner> {
  const runner = await SshRunner.connect(sshd.minion('ssh-minion'), { logger: pino({ level: 'silent' }) });
  runners.push(runner);
  return runner;
}

/** Unique per test process: other test files run benchmarks as the same minion user. */
const runId = (n: number) => `ssh${process.pid}x${n}`;

interface Outcome {
  id: string;
  manifest?: RunManifest;
  error?: Error;
  stored: RunManifest;
  lines: string[];
  dir: string;
  startedAt: number;
  endedAt: number;
}

function request(over: Partial<RunJobData> = {}): RunJobData {
  return {
    commit: 'abcdef1',
    benchmarks: ['quick'],
    profile: false,
    minion: 'ssh-minion',
    priority: 'manual',
    trigger: { kind: 'api', detail: {} },
    ...over,
  };
}

/** Runs the pipeline on a new connection (one per run, as the worker does) and collects everything. */
async function runOnMinion(
  req: RunJobData,
  options: { signal?: AbortSignal; runner?: SshRunner; lines?: string[] } = {},
): Promise<Outcome> {
  counter++;
  const id = runId(counter);
  const lines = options.lines ?? [];
  const runner = options.runner ?? (await connect());
  const archiveRoot = path.join(root, 'runs');
  const startedAt = Date.now();
  let manifest: RunManifest | undefined;
  let error: Error | undefined;
  try {
    manifest = await runPipeline(
      { runner, suite, archiveRoot, logger: pino({ level: 'silent' }), provisioner },
      {
        id,
        attempt: 1,
        request: req,
        signal: options.signal ?? new AbortController().signal,
        log: (line) => lines.push(line),
        progress: () => undefined,
      },
    );
  } catch (e) {
    error = e as Error;
  } finally {
    await runner.close().catch(() => undefined);
  }
  const endedAt = Date.now();
  const dir = path.join(archiveRoot, id);
  const stored = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as RunManifest;
  return { id, manifest, error, stored, lines, dir, startedAt, endedAt };
}

/** PIDs of the minion user's processes whose environment carries this run's id. */
async function processesOfRun(runId: string): Promise<number[]> {
  let stdout = '';
  try {
    ({ stdout } = await run('pgrep', ['-u', sshd.user]));
  } catch {
    return []; // pgrep exits 1 when the user has no process at all.
  }
  const pids: number[] = [];
  for (const pid of stdout.split('\n').filter(Boolean).map(Number)) {
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(`BENCHRUNNER_RUN_ID=${runId}`)) pids.push(pid);
  }
  return pids;
}

async function waitForLine(lines: string[], pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!lines.some((l) => pattern.test(l))) {
    if (Date.now() > deadline) throw new Error(`no log line matched ${pattern}:\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const stepOf = (m: RunManifest, name: string) => m.steps.find((s) => s.name === name);

it('runs a benchmark on the provisioned minion: provisioning skipped, results archived', async () => {
  const outcome = await runOnMinion(request());
  expect(outcome.error).toBeUndefined();
  expect(outcome.stored.state).toBe('completed');
  expect(stepOf(outcome.stored, 'provision')?.status).toBe('skipped');
  expect(existsSync(path.join(outcome.dir, 'results', 'quick.json'))).toBe(true);
  expect(outcome.stored.environment.node).toMatch(/^v20\./);
});

it('cancel during a long benchmark rejects with CancelledError and leaves no process of the run', async () => {
  const controller = new AbortController();
  const lines: string[] = [];
  const running = runOnMinion(request({ benchmarks: ['sleep'] }), { signal: controller.signal, lines });
  await waitForLine(lines, /^\[sleep\] sleeping in child \d+/);
  const id = runId(counter);
  // The benchmark and its `sleep` child run on the minion now.
  expect((await processesOfRun(id)).length).toBeGreaterThanOrEqual(2);
  const t0 = Date.now();
  controller.abort('test cancel');
  const outcome = await running;
  const cancelMs = Date.now() - t0;
  expect(outcome.error).toBeInstanceOf(CancelledError);
  expect(outcome.stored.state).toBe('cancelled');
  expect(await processesOfRun(id)).toEqual([]);
  // Well before the 30 s sleep would have ended on its own.
  expect(cancelMs).toBeLessThan(10_000);
});

it('a cut connection fails the run as such; the next run kills the leftovers and succeeds', async () => {
  const lines: string[] = [];
  const running = runOnMinion(request({ benchmarks: ['sleep'] }), { lines });
  await waitForLine(lines, /^\[sleep\] sleeping in child \d+/);
  const id = runId(counter);
  expect(await sshd.killSessions()).toBeGreaterThan(0);
  const outcome = await running;
  expect(outcome.error).toBeInstanceOf(ConnectionError);
  expect(outcome.error?.message).toMatch(/connection to minion ssh-minion .* lost while running node/);
  expect(outcome.stored.state).toBe('failed');
  expect(outcome.stored.error).toMatch(/lost/);
  // Without a pty the minion keeps the orphaned benchmark running...
  const orphans = await processesOfRun(id);
  expect(orphans.length).toBeGreaterThan(0);

  // ...until the next run's cleanup kills its process group.
  const next = await runOnMinion(request());
  expect(next.error).toBeUndefined();
  expect(next.stored.state).toBe('completed');
  expect(next.lines).toContain('killed 1 process group(s) left by an earlier run');
  expect(await processesOfRun(id)).toEqual([]);
});

it('two pipelines started at once against one minion: one holds the lock, the other fails on it', async () => {
  const [a, b] = await Promise.all([
    runOnMinion(request({ benchmarks: ['short-sleep'] })),
    runOnMinion(request({ benchmarks: ['short-sleep'] })),
  ]);
  const winner = a.error ? b : a;
  const loser = a.error ? a : b;
  expect(winner.error).toBeUndefined();
  expect(winner.stored.state).toBe('completed');
  expect(loser.error).toBeInstanceOf(LockedError);
  expect(loser.error?.message).toMatch(/minion ssh-minion is busy/);
  expect(loser.stored.state).toBe('failed');
  expect(stepOf(loser.stored, 'lock')?.status).toBe('failed');
  expect(loser.stored.benchmarks).toEqual([]);
  expect(existsSync(path.join(loser.dir, 'raw'))).toBe(false);
  // The loser gave up while the winner's benchmark still ran: they never shared the minion.
  const seen = JSON.parse(
    await readFile(path.join(winner.dir, 'raw', 'short-sleep', '1', 'seen.json'), 'utf8'),
  ) as {
    started: number;
    ended: number;
  };
  expect(seen.ended - seen.started).toBeGreaterThanOrEqual(1900);
  expect(loser.endedAt).toBeLessThan(seen.ended);

  // A second attempt once the lock is free goes through.
  const again = await runOnMinion(request());
  expect(again.stored.state).toBe('completed');
});

it('commit, tag and env values built to break a shell run nothing and arrive byte for byte', async () => {
  const commit = hostile(0);
  const tag = hostile(10);
  const outcome = await runOnMinion(request({ commit, tag, benchmarks: ['hostile'] }));
  expect(outcome.error).toBeUndefined();
  expect(outcome.stored.state).toBe('completed');
  const seen = JSON.parse(
    await readFile(path.join(outcome.dir, 'raw', 'hostile', '1', 'seen.json'), 'utf8'),
  ) as {
    commit: string;
    tag: string;
    hostile: string;
  };
  expect(seen.commit).toBe(commit);
  expect(seen.tag).toBe(tag);
  expect(seen.hostile).toBe(hostile(20));
  expect(outcome.stored.request.commit).toBe(commit);
  const created = [];
  for (let n = 0; n < 40; n++) if (existsSync(marker(n))) created.push(marker(n));
  expect(created).toEqual([]);
  const leftovers = (await readdir(os.tmpdir())).filter((f) => f.startsWith(path.basename(markerDir)));
  expect(leftovers).toEqual([]);
});

// Last: it changes the fixture's host key.
it('a changed host key refuses the connection and says how to trust the new key', async () => {
  const oldFingerprint = sshd.hostKeyFingerprint;
  // The fixture rewrites its own known_hosts file with the new key: keep a copy of the old one.
  const oldKnownHosts = path.join(root, 'known_hosts.old');
  await writeFile(oldKnownHosts, await readFile(sshd.knownHostsFile));
  await sshd.regenerateHostKey();
  expect(sshd.hostKeyFingerprint).not.toBe(oldFingerprint);
  const byFingerprint = sshd.minion('ssh-minion', { hostKeys: [oldFingerprint], knownHostsFile: undefined });
  const byKnownHosts = sshd.minion('ssh-minion', { hostKeys: [], knownHostsFile: oldKnownHosts });
  for (const pinned of [byFingerprint, byKnownHosts]) {
    const error = await SshRunner.connect(pinned).then(
      (r) => {
        runners.push(r);
        return undefined;
      },
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(HostKeyError);
    expect(error?.message).toMatch(/host key of minion ssh-minion \(127\.0\.0\.1:\d+\) has CHANGED/);
    expect(error?.message).toContain(
      `presented ssh-ed25519 ${sshd.hostKeyFingerprint}, expected ${oldFingerprint}`,
    );
    // How to trust it: check the key, then pin the new fingerprint (or fix the known_hosts file).
    expect(error?.message).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 | ssh-keygen -lf -`);
    expect(error?.message).toContain(
      `add ${sshd.hostKeyFingerprint} to benchrunner_host_keys of ssh-minion in the inventory`,
    );
    if (pinned.knownHostsFile) expect(error?.message).toContain(`or to ${oldKnownHosts}`);
  }
  // The pipeline never starts on such a minion; with the new key pinned it is reachable again.
  const runner = await SshRunner.connect(sshd.minion('ssh-minion'));
  runners.push(runner);
  expect((await runner.exec(['true'])).exitCode).toBe(0);
});
