import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chmod, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadSuite, type Minion, type RunJobData, type RunManifest } from '@benchrunner/core';
import { runPipeline } from '@benchrunner/pipeline';
import { SshRunner } from '@benchrunner/ssh';
import { type SshdFixture, startSshd } from '@benchrunner/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ansibleProvisioner } from '../src/provisioner.ts';

const run = promisify(execFile);
const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');
const logger = pino({ level: 'silent' });

let sshd: SshdFixture;
let minion: Extract<Minion, { kind: 'ssh' }>;
let root: string;
let suiteDir: string;
let counter = 0;
const timings: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-fleet-suite-'));
  await chmod(root, 0o755);
  // A copy of the REAL example suite, so a test can change one of its files.
  suiteDir = path.join(root, 'examples');
  await cp(EXAMPLES, suiteDir, { recursive: true });
  sshd = await startSshd();
  minion = sshd.minion('example-minion');
});

afterAll(async () => {
  process.stderr.write(`fleet-suite timings: ${timings.join(', ')}\n`);
  await sshd?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

interface Outcome {
  manifest: RunManifest;
  lines: string[];
  dir: string;
  ms: number;
}

/** One run of the example suite on the SSH minion, as the worker does it: new connection, Ansible provisioner. */
async function runExample(over: Partial<RunJobData>): Promise<Outcome> {
  counter++;
  const id = `example${counter}`;
  const suite = await loadSuite(path.join(suiteDir, 'suite.yaml'));
  const runner = await SshRunner.connect(minion, { logger });
  const lines: string[] = [];
  const archiveRoot = path.join(root, 'runs');
  const t0 = Date.now();
  try {
    const manifest = await runPipeline(
      { runner, suite, archiveRoot, logger, provisioner: ansibleProvisioner(minion, { logger }) },
      {
        id,
        attempt: 1,
        request: {
          commit: 'c0ffee1',
          benchmarks: ['add'],
          profile: false,
          minion: minion.name,
          priority: 'manual',
          trigger: { kind: 'api', detail: {} },
          ...over,
        },
        signal: new AbortController().signal,
        log: (line) => lines.push(line),
        progress: () => undefined,
      },
    );
    const ms = Date.now() - t0;
    const steps = manifest.steps.map((s) => `${s.name} ${s.durationMs}`).join(' ');
    timings.push(`${id} ${ms} ms (${steps})`);
    return { manifest, lines, dir: path.join(archiveRoot, id), ms };
  } catch (error) {
    throw new Error(`run ${id} failed: ${(error as Error).message}\n${lines.slice(-40).join('\n')}`, {
      cause: error,
    });
  } finally {
    await runner.close();
  }
}

const stepOf = (m: RunManifest, name: string) => m.steps.find((s) => s.name === name);

async function tarList(file: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', file], { maxBuffer: 64 * 1024 * 1024 });
  return stdout.split('\n').filter(Boolean);
}

it('first run provisions with the real playbook, runs add, and archives results, a clinic doctor and a cpu-prof profile', async () => {
  const { manifest, dir, lines } = await runExample({
    profile: { profilers: ['doctor', 'cpu-prof'], fileSets: ['One64KBFile'] },
  });
  expect(stepOf(manifest, 'provision')?.status).toBe('ok');
  expect(
    lines.some((l) => /^provisioning: the suite's content \(hash [0-9a-f]{12}\) is not installed/.test(l)),
  ).toBe(true);
  expect(manifest.state).toBe('completed');
  const stored = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as RunManifest;
  expect(stored.state).toBe('completed');
  // clinic is found where the playbook installed it (the tools folder), by the probe and the profiler.
  expect(stored.environment.clinic).toMatch(/13\.0\.0/);
  expect(stored.environment.node).toMatch(/^v20\./);

  expect(stored.benchmarks).toEqual([expect.objectContaining({ name: 'add', status: 'passed', repeats: 3 })]);
  const results = JSON.parse(await readFile(path.join(dir, 'results', 'add.json'), 'utf8')) as {
    benchmarks: { name: string; params: Record<string, string> }[];
  };
  expect(results.benchmarks.map((b) => b.params.file_set).sort()).toEqual([
    'One4MBFile',
    'One64KBFile',
    'Ten1MBFiles',
  ]);

  expect(stored.profiles).toEqual([
    expect.objectContaining({ benchmark: 'add', profiler: 'doctor', fileSet: 'One64KBFile', status: 'ok' }),
    expect.objectContaining({ benchmark: 'add', profiler: 'cpu-prof', fileSet: 'One64KBFile', status: 'ok' }),
  ]);
  const doctor = await tarList(path.join(dir, 'profiles', 'add', 'doctor-One64KBFile.tar.gz'));
  expect(doctor.some((f) => /\.clinic-doctor\//.test(f))).toBe(true);
  expect(doctor.some((f) => /\.clinic-doctor\.html$/.test(f))).toBe(true);
  const cpu = await tarList(path.join(dir, 'profiles', 'add', 'cpu-prof-One64KBFile.tar.gz'));
  expect(cpu.some((f) => f.endsWith('.cpuprofile'))).toBe(true);
  // Everything is in the archive: the minion's output folder is gone.
  expect(existsSync(path.join(sshd.workDir, 'out'))).toBe(false);
}, 300_000);

it('the next run skips provisioning: the minion is up to date', async () => {
  const { manifest, dir } = await runExample({ benchmarks: ['extract'] });
  expect(manifest.state).toBe('completed');
  expect(stepOf(manifest, 'provision')).toMatchObject({
    status: 'skipped',
    detail: 'minion is up to date with the suite',
  });
  expect(existsSync(path.join(dir, 'results', 'extract.json'))).toBe(true);
});

it('a changed suite file provisions again, and the minion runs the new content', async () => {
  await appendFile(path.join(suiteDir, 'lib', 'output.mjs'), '\n// changed by fleet-suite.int.test.ts\n');
  const { manifest } = await runExample({});
  expect(stepOf(manifest, 'provision')?.status).toBe('ok');
  expect(manifest.state).toBe('completed');
  const onMinion = await readFile(path.join(sshd.workDir, 'suite', 'lib', 'output.mjs'), 'utf8');
  expect(onMinion).toContain('changed by fleet-suite.int.test.ts');
});
