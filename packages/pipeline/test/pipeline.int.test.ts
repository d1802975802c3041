import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  environmentFingerprint,
  parseSuite,
  type RunJobData,
  type RunManifest,
  type RunProgress,
  StepName,
} from '@benchrunner/core';
import { LocalRunner } from '@benchrunner/ssh';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline, summarize } from '../src/pipeline.ts';

const run = promisify(execFile);

/**
 * One benchmark script for every case, steered by MODE: writes a seed-format result to
 * $OUT_FOLDER/<name>.json, or misbehaves the way a real benchmark can.
 */
const BENCH = `
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const mode = process.env.MODE ?? 'ok';
const name = process.env.BENCHRUNNER_BENCHMARK;
const out = process.env.OUT_FOLDER;
if (process.env.SEEN_FILE) {
  appendFileSync(process.env.SEEN_FILE, JSON.stringify({
    benchmark: name,
    commit: process.env.BENCHRUNNER_COMMIT,
    tag: process.env.BENCHRUNNER_TAG ?? null,
    warmup: process.env.BENCHRUNNER_WARMUP,
    repeat: process.env.BENCHRUNNER_REPEAT,
    pid: process.pid,
    cpus: (readFileSync('/proc/self/status', 'utf8').match(/Cpus_allowed_list:\\s*(\\S+)/) ?? [])[1],
  }) + '\\n');
}
if (mode === 'exit3') {
  console.log('computing');
  console.error('boom: the benchmark broke');
  process.exit(3);
}
if (mode === 'sleep') await new Promise((r) => setTimeout(r, 60_000));
if (mode === 'nofile') process.exit(0);
mkdirSync(out, { recursive: true });
if (mode === 'malformed') {
  writeFileSync(out + '/' + name + '.json', '[{"name": "x", "duration": {"s": 0, ');
  process.exit(0);
}
let x = 0;
for (let i = 0; i < 2e5; i++) x += Math.sqrt(i);
// Warmup repeats report an absurd duration: it must never show up in the results.
const warm = process.env.BENCHRUNNER_WARMUP === '1';
// steady: the same figure every time; noisy: alternating 5 and 50 ms; otherwise 10 ms plus the repeat.
function durationMs(repeat) {
  if (mode === 'steady') return 10;
  if (mode === 'noisy') return repeat % 2 === 0 ? 5 : 50;
  return 10 + repeat;
}
const repeat = Number(process.env.BENCHRUNNER_REPEAT);
const result = JSON.stringify([{
  name, warmup: 'off', description: 'test', file_set: 'none', date: new Date().toISOString(), file: 'none',
  meta: { project: 'p', commit: process.env.BENCHRUNNER_COMMIT, version: '1', branch: 'b', guid: 'g' },
  duration: { s: warm ? 999 : 0, ms: warm ? 0 : durationMs(repeat) },
  cpu: 1, loadAvg: [0, 0, 0], memory: x > 0 ? 1024 : 0,
}]);
if (process.env.ON_STDOUT === '1') console.log(result);
else writeFileSync(out + '/' + name + '.json', result);
`;

let root: string;
let runner: LocalRunner;
let counter = 0;
/** CPU hogs the noise check's test starts; killed by PID. */
const hogs: ChildProcess[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-pipeline-'));
  runner = new LocalRunner({ minion: 'local', workDir: path.join(root, 'minion') });
});

afterAll(async () => {
  for (const hog of hogs) if (hog.pid && hog.exitCode === null) process.kill(hog.pid, 'SIGKILL');
  await runner?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

interface Outcome {
  manifest: RunManifest;
  error?: Error;
  lines: string[];
  progress: RunProgress[];
  dir: string;
  stored: RunManifest;
  suiteDir: string;
}

/** Writes a suite (YAML) next to bench.mjs and runs it through the pipeline on the LocalRunner. */
async function runSuite(
  yaml: string,
  request: Partial<RunJobData> = {},
  options: { suiteDirName?: string; signal?: AbortSignal; onLog?: (line: string) => void } = {},
): Promise<Outcome> {
  counter++;
  const suiteDir = path.join(root, options.suiteDirName ?? `suite-${counter}`);
  await mkdir(suiteDir, { recursive: true });
  await writeFile(path.join(suiteDir, 'bench.mjs'), BENCH);
  const file = path.join(suiteDir, 'suite.yaml');
  await writeFile(file, yaml);
  const suite = parseSuite(yaml, file);
  const lines: string[] = [];
  const progress: RunProgress[] = [];
  const id = `rtest${counter}`;
  const archiveRoot = path.join(root, 'runs');
  let manifest: RunManifest | undefined;
  let error: Error | undefined;
  try {
    manifest = await runPipeline(
      { runner, suite, archiveRoot, logger: pino({ level: 'silent' }) },
      {
        id,
        attempt: 1,
        request: {
          commit: 'abcdef1',
          benchmarks: [],
          profile: false,
          minion: 'local',
          priority: 'manual',
          trigger: { kind: 'api', detail: {} },
          ...request,
        },
        signal: options.signal ?? new AbortController().signal,
        log: (line) => {
          lines.push(line);
          options.onLog?.(line);
        },
        progress: (p) => progress.push(p),
      },
    );
  } catch (caught) {
    error = caught as Error;
  }
  const dir = path.join(archiveRoot, id);
  const stored = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as RunManifest;
  return {
    manifest: manifest ?? stored,
    ...(error ? { error } : {}),
    lines,
    progress,
    dir,
    stored,
    suiteDir,
  };
}

describe('runPipeline on the local runner', () => {
  it('runs a passing suite: results merged over repeats, warmups left out, every step recorded', async () => {
    const out = await runSuite(`
project: test
benchmarks:
  - name: alpha
    command: [node, bench.mjs]
    repeats: 3
    warmup: 2
  - name: beta
    command: [node, bench.mjs]
    repeats: 2
`);
    expect(out.error).toBeUndefined();
    expect(out.manifest.state).toBe('completed');
    expect(out.stored.state).toBe('completed');
    // Every step, in order.
    expect(out.stored.steps.map((s) => s.name)).toEqual(StepName.options);
    expect(out.stored.benchmarks.map((b) => [b.name, b.status, b.repeats])).toEqual([
      ['alpha', 'passed', 3],
      ['beta', 'passed', 2],
    ]);
    const alpha = out.stored.results.find((r) => r.benchmark === 'alpha');
    expect(alpha?.benchmarks).toHaveLength(1);
    const latency = alpha?.benchmarks[0]?.measures.latency;
    expect(latency?.samples).toHaveLength(3);
    // BENCHRUNNER_REPEAT counts from 1, like the log's "repeat 1/3".
    expect(latency?.samples).toEqual([11e6, 12e6, 13e6]);
    expect(latency?.samples?.some((s) => s >= 999e9)).toBe(false);
    expect(
      out.stored.results.find((r) => r.benchmark === 'beta')?.benchmarks[0]?.measures.latency?.samples,
    ).toHaveLength(2);

    // The archive: one results file per benchmark, raw files of every repeat, the full log.
    const file = JSON.parse(await readFile(path.join(out.dir, 'results', 'alpha.json'), 'utf8'));
    expect(file.benchmarks[0].measures.latency.samples).toHaveLength(3);
    // Raw folders count from 1 as the log does: repeat 3/3 is raw/alpha/3, warmup 2/2 is warmup-2.
    expect((await readdir(path.join(out.dir, 'raw', 'alpha'))).sort()).toEqual([
      '1',
      '2',
      '3',
      'warmup-1',
      'warmup-2',
    ]);
    expect(existsSync(path.join(out.dir, 'raw', 'alpha', '3', 'alpha.json'))).toBe(true);
    expect(existsSync(path.join(out.dir, 'raw', 'alpha', 'warmup-2', 'alpha.json'))).toBe(true);
    const stdoutLog = await readFile(path.join(out.dir, 'stdout.log'), 'utf8');
    expect(stdoutLog).toContain('--- step cleanup');
    expect(stdoutLog).toContain('[alpha] warmup 2/2');
    expect(out.lines).toContain('--- step benchmarks');
    expect(out.stored.environment.cpu_count).toBe(String(os.availableParallelism()));
    // The fingerprint: the settings that must match, not the load of the moment.
    expect(out.stored.environment.smt).toMatch(/^(on|off|forceoff|notsupported|notimplemented|unknown)$/);
    expect(out.stored.fingerprint).toEqual(environmentFingerprint(out.stored.environment));
    expect(out.stored.fingerprint?.fields).not.toHaveProperty('load_avg');

    // Progress only ever goes forward and ends at 100.
    const percents = out.progress.map((p) => p.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    expect(out.progress.some((p) => p.step === 'benchmarks' && p.benchmark === 'beta')).toBe(true);
    // The minion's output folder is cleaned once everything is in the archive.
    expect(existsSync(path.join(runner.workDir, 'out'))).toBe(false);
  });

  it('adaptive repeats stop once the CI target is reached on a steady command, and at max on a noisy one', async () => {
    const out = await runSuite(`
benchmarks:
  - name: steady
    command: [node, bench.mjs]
    env: {MODE: steady}
    repeats: {min: 3, max: 12, targetCi: 1}
  - name: noisy
    command: [node, bench.mjs]
    env: {MODE: noisy}
    repeats: {min: 3, max: 8, targetCi: 1}
  - name: steady-stdout
    command: [node, bench.mjs]
    results: stdout
    format: seed
    env: {MODE: steady, ON_STDOUT: '1'}
    repeats: {min: 7, max: 12, targetCi: 1}
`);
    expect(out.error).toBeUndefined();
    const [steady, noisy, steadyStdout] = out.stored.benchmarks;
    // A 95 % interval of the median needs 6 samples; the steady one is exact from there.
    expect(steady).toMatchObject({ status: 'passed', repeats: 6, stoppedBecause: 'target-ci', ci: 0 });
    expect(noisy).toMatchObject({ status: 'passed', repeats: 8, stoppedBecause: 'max' });
    expect(noisy?.ci).toBeGreaterThan(1);
    // Results on standard output are read from the controller's copy; never fewer than min.
    expect(steadyStdout).toMatchObject({ status: 'passed', repeats: 7, stoppedBecause: 'target-ci' });
    const samples = (name: string) =>
      out.stored.results.find((r) => r.benchmark === name)?.benchmarks[0]?.measures.latency?.samples;
    expect(samples('steady')).toHaveLength(6);
    expect(samples('noisy')).toHaveLength(8);
    expect(out.lines).toContain('[steady] stopped after 6 repeat(s): CI ±0.00 %, target ±1 %');
    expect(out.progress.at(-1)?.percent).toBe(100);
  });

  it("pins the benchmarks to the suite's cpus with taskset and records them in the fingerprint", async () => {
    const seen = path.join(root, 'seen-pinned.jsonl');
    const out = await runSuite(`
cpus: "0"
noise: false
benchmarks:
  - name: pinned
    command: [node, bench.mjs]
    repeats: 2
    env: { SEEN_FILE: ${JSON.stringify(seen)} }
`);
    expect(out.error).toBeUndefined();
    const records = (await readFile(seen, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((r) => r.cpus)).toEqual(['0', '0']);
    expect(out.stored.environment.cpus).toBe('0');
    expect(out.stored.fingerprint?.fields.cpus).toBe('0');

    const missing = await runSuite(
      'cpus: "4000"\nbenchmarks:\n  - {name: never, command: [node, bench.mjs]}\n',
    );
    expect(missing.stored.state).toBe('failed');
    expect(missing.stored.error).toMatch(/^cannot pin benchmarks to cpus 4000 with taskset on local: /);
  });

  it('records a failing benchmark with its exit code and output, and still runs the others', async () => {
    const out = await runSuite(`
benchmarks:
  - name: broken
    command: [node, bench.mjs]
    repeats: 3
    env: { MODE: exit3 }
  - name: fine
    command: [node, bench.mjs]
`);
    expect(out.error).toBeUndefined();
    expect(out.stored.state).toBe('completed_with_failures');
    const [broken, fine] = out.stored.benchmarks;
    expect(broken).toMatchObject({ name: 'broken', status: 'failed', exitCode: 3, repeats: 0 });
    expect(broken?.error).toBe('repeat 1/3 exited 3');
    expect(broken?.outputTail).toContain('boom: the benchmark broke');
    expect(broken?.outputTail).toContain('computing');
    expect(fine).toMatchObject({ name: 'fine', status: 'passed' });
    expect(out.stored.results.map((r) => r.benchmark)).toEqual(['fine']);
    expect(out.lines).toContain('[broken:err] boom: the benchmark broke');
  });

  it('kills a benchmark that runs past its timeout and records it as timeout', async () => {
    const seen = path.join(root, 'seen-timeout.jsonl');
    const started = Date.now();
    const out = await runSuite(`
env: { SEEN_FILE: ${JSON.stringify(seen)} }
benchmarks:
  - name: slow
    command: [node, bench.mjs]
    timeout: 1
    env: { MODE: sleep }
`);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(out.stored.state).toBe('completed_with_failures');
    expect(out.stored.benchmarks[0]).toMatchObject({ status: 'timeout', exitCode: null });
    expect(out.stored.benchmarks[0]?.error).toContain('timed out after 1 s');
    const { pid } = JSON.parse((await readFile(seen, 'utf8')).trim()) as { pid: number };
    expect(alive(pid)).toBe(false);
  });

  it('fails a benchmark whose result file is missing or malformed, with the parser message', async () => {
    const out = await runSuite(`
benchmarks:
  - name: nofile
    command: [node, bench.mjs]
    env: { MODE: nofile }
  - name: malformed
    command: [node, bench.mjs]
    format: seed
    env: { MODE: malformed }
`);
    expect(out.stored.state).toBe('completed_with_failures');
    const [nofile, malformed] = out.stored.benchmarks;
    expect(nofile).toMatchObject({ status: 'failed', exitCode: 0 });
    expect(nofile?.error).toMatch(/^repeat 1: /);
    expect(nofile?.error).toContain('nofile.json');
    expect(nofile?.error).toMatch(/cannot read|ENOENT/);
    expect(malformed).toMatchObject({ status: 'failed', exitCode: 0 });
    // The archived file's path, line and column: where a user can open it.
    const file = path.join(out.dir, 'raw', 'malformed', '1', 'malformed.json');
    expect(malformed?.error).toBe(
      `repeat 1: ${file}:1:37: seed format: truncated JSON (unexpected end of input)`,
    );
    expect(out.stored.results).toEqual([]);
  });

  it('fails the run when setup fails, and writes the manifest with state failed', async () => {
    const seen = path.join(root, 'seen-setup.jsonl');
    const out = await runSuite(`
env: { SEEN_FILE: ${JSON.stringify(seen)} }
setup: [sh, -c, 'echo preparing; echo no compiler >&2; exit 7']
benchmarks:
  - name: never
    command: [node, bench.mjs]
`);
    expect(out.error?.message).toContain('setup exited 7');
    expect(out.error?.message).toContain('no compiler');
    expect(out.stored.state).toBe('failed');
    expect(out.stored.error).toContain('setup exited 7');
    expect(out.stored.finishedAt).toBeDefined();
    expect(out.stored.steps.at(-1)).toMatchObject({ name: 'prepare', status: 'failed' });
    expect(out.stored.benchmarks).toEqual([]);
    expect(existsSync(seen)).toBe(false);
    expect(out.lines).toContain('[setup] preparing');
  });

  it('packs a cpu-prof profile into profiles/<bench>/cpu-prof.tar.gz', async () => {
    const out = await runSuite(
      `
benchmarks:
  - name: prof
    command: [node, bench.mjs]
    profilers: [cpu-prof]
`,
      { profile: true },
    );
    expect(out.stored.state).toBe('completed');
    expect(out.stored.profiles).toEqual([
      expect.objectContaining({
        benchmark: 'prof',
        profiler: 'cpu-prof',
        status: 'ok',
        file: 'profiles/prof/cpu-prof.tar.gz',
      }),
    ]);
    const tarball = path.join(out.dir, 'profiles', 'prof', 'cpu-prof.tar.gz');
    const { stdout } = await run('tar', ['-tzf', tarball]);
    expect(stdout.split('\n').some((f) => f.endsWith('.cpuprofile'))).toBe(true);
    const steps = out.stored.steps.map((s) => [s.name, s.status]);
    expect(steps).toContainEqual(['profiles', 'ok']);
  });

  it('aborts on the signal: the benchmark is killed and the manifest says cancelled', async () => {
    const seen = path.join(root, 'seen-cancel.jsonl');
    const controller = new AbortController();
    const watcher = setInterval(() => {
      if (existsSync(seen)) controller.abort('cancelled: test');
    }, 50);
    const out = await runSuite(
      `
env: { SEEN_FILE: ${JSON.stringify(seen)} }
benchmarks:
  - name: sleeper
    command: [node, bench.mjs]
    env: { MODE: sleep }
`,
      {},
      { signal: controller.signal },
    ).finally(() => clearInterval(watcher));
    expect(out.error?.name).toBe('CancelledError');
    expect(out.stored.state).toBe('cancelled');
    const { pid } = JSON.parse((await readFile(seen, 'utf8')).trim()) as { pid: number };
    expect(alive(pid)).toBe(false);
  });

  it('passes values built to break a shell verbatim, and executes none of them', async () => {
    const markers = path.join(root, 'markers');
    await mkdir(markers, { recursive: true });
    const m = (name: string) => path.join(markers, name);
    const seen = path.join(root, 'seen-shell.jsonl');
    const commit = `$(touch ${m('commit')})\`touch ${m('commit2')}\`;touch ${m('commit3')} && touch ${m('commit4')} | x`;
    const tag = `\`touch ${m('tag')}\`$(touch ${m('tag2')})'"; touch ${m('tag3')}`;
    const out = await runSuite(
      `
env: { SEEN_FILE: ${JSON.stringify(seen)} }
setup: [sh, -c, 'printf "%s" "$BENCHRUNNER_COMMIT" > "$0"', ${JSON.stringify(m('setup-saw'))}]
benchmarks:
  - name: shell
    command: [node, bench.mjs]
    profilers: [cpu-prof]
`,
      { commit, tag, profile: true },
      // The suite's own folder name is hostile too: it reaches a shell in the profiler wrapper.
      { suiteDirName: `suite $(touch ${m('dir')}) \`touch ${m('dir2')}\`` },
    );
    expect(out.error).toBeUndefined();
    expect(out.stored.state).toBe('completed');
    const records = (await readFile(seen, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { commit: string; tag: string });
    expect(records.length).toBeGreaterThanOrEqual(1);
    for (const r of records) {
      expect(r.commit).toBe(commit);
      expect(r.tag).toBe(tag);
    }
    expect(await readFile(m('setup-saw'), 'utf8')).toBe(commit);
    for (const marker of ['commit', 'commit2', 'commit3', 'commit4', 'tag', 'tag2', 'tag3', 'dir', 'dir2']) {
      expect(existsSync(m(marker)), marker).toBe(false);
    }
    expect(out.stored.request.commit).toBe(commit);
  });
});

/** True when pid is a live process (a zombie, waiting for its parent to reap it, counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * The CV threshold is out of reach and the level threshold generous: this machine is shared and
 * loaded, so a "quiet" run here still wanders (levels moved by up to ~80 % between calibrations in
 * trials, CVs of 30-260 %). Four hogs per CPU, each in its own session (the kernel's autogroups
 * share the CPU between sessions, so nice alone would not matter), moved them by 140-1300 %.
 */
const NOISE_SUITE = `
noise: {seconds: 0.4, maxCv: 1000000, maxShift: 100}
benchmarks:
  - name: work
    command: [node, bench.mjs]
`;

/** The largest level shift between the two calibrations, in percent. */
function largestShift(manifest: RunManifest): number {
  const { before, after } = manifest.noise ?? {};
  if (!before || !after) throw new Error('the run has no before and after calibrations');
  return Math.max(
    ...(['cpu', 'memory'] as const).map((loop) => Math.abs(after[loop].level / before[loop].level - 1) * 100),
  );
}

describe('the noise check', () => {
  it('marks a run noisy when CPU hogs start during it, names them, and keeps the results', async () => {
    const { stored: quiet } = await runSuite(NOISE_SUITE);
    expect(quiet.benchmarks[0]?.error).toBeUndefined();
    expect(quiet.state).toBe('completed');
    expect(quiet.noise?.before?.cpu.rounds).toBeGreaterThanOrEqual(5);
    expect(quiet.noise?.after?.memory.rounds).toBeGreaterThanOrEqual(5);

    const { stored: hogged } = await runSuite(
      NOISE_SUITE,
      {},
      {
        onLog: (line) => {
          if (!line.startsWith('[work] repeat 1/1')) return;
          for (let i = 0; i < 4 * os.availableParallelism(); i++) {
            hogs.push(
              spawn('setsid', ['node', '-e', 'for (;;) {}', 'benchrunner-test-hog'], { stdio: 'ignore' }),
            );
          }
        },
      },
    );
    for (const hog of hogs.splice(0)) if (hog.pid) process.kill(hog.pid, 'SIGKILL');

    expect(hogged.state).toBe('completed');
    expect(hogged.noisy).toBe(true);
    expect(hogged.noise?.verdict).toBe('noisy');
    expect(hogged.noise?.reasons.some((r) => /level moved/.test(r))).toBe(true);
    expect(hogged.noise?.busyProcesses.some((p) => p.command.includes('benchrunner-test-hog'))).toBe(true);
    expect(hogged.results).toHaveLength(1);
    expect(summarize(hogged, 'archive').noisy).toBe(true);
    // Relative, so that a machine loaded by others does not decide it.
    expect(largestShift(hogged)).toBeGreaterThan(largestShift(quiet));
  });

  it('is left out with noise: false', async () => {
    const { stored: manifest } = await runSuite(NOISE_SUITE.replace(/^noise: .*$/m, 'noise: false'));
    expect(manifest.noise).toBeUndefined();
    expect(manifest.noisy).toBeUndefined();
  });
});
