// pnpm --filter @benchrunner/pipeline bench: the proofs of measurement quality on the loopback SSH
// minion: the CV of a CPU-bound benchmark through benchrunner against the same command by hand,
// the noise check's verdicts with and without CPU hogs, and adaptive against fixed repeats.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type NoiseSettings, noiseSettings, parseSuite, type RunManifest } from '@benchrunner/core';
import { describeSamples } from '@benchrunner/results';
import { SshRunner } from '@benchrunner/ssh';
import { markdownTable, recordBenchmark, startSshd } from '@benchrunner/testing';
import { pino } from 'pino';
import { BASELINE_RUNS, calibrateRepeatedly, noiseBaseline } from '../src/noise-baseline.ts';
import { noiseVerdict } from '../src/noise-check.ts';
import { runPipeline } from '../src/pipeline.ts';

const run = promisify(execFile);
const REPEATS = 60;
/** Resamples of the bootstrap CI of the CV ratio. */
const RESAMPLES = 2000;
/** Repeats of each alternating block (by hand, then through benchrunner). */
const BLOCK = 5;
/**
 * The suite's `cpus:` (taskset on the minion), as a tuned minion runs its benchmarks: the last CPU
 * by default (`BENCH_CPUS=` empty: unpinned). The run by hand is not pinned: what people do.
 */
const PIN =
  process.env.BENCH_CPUS ?? (os.availableParallelism() > 1 ? String(os.availableParallelism() - 1) : '');
const NOISE_RUNS = 10;
const FIXED_COUNTS = [10, 20, 30];
const TARGET_CI = 5;

/** A CPU-bound benchmark that times its own fixed work and writes it in the seed format. */
const CPU_BENCH = `
import { mkdirSync, writeFileSync } from 'node:fs';
const t0 = process.hrtime.bigint();
let x = 1;
for (let i = 0; i < 2e7; i++) x = Math.sqrt(x * 1.000001 + i);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
mkdirSync(process.env.OUT_FOLDER, { recursive: true });
writeFileSync(process.env.OUT_FOLDER + '/cpu.json', JSON.stringify([{
  name: 'cpu', warmup: 'off', description: 'sqrt loop', file_set: 'none', date: new Date().toISOString(),
  file: 'none', meta: { project: 'bench', commit: 'x', version: '1', branch: 'b', guid: 'g' },
  duration: { s: 0, ms }, cpu: x > 0 ? 1 : 0, loadAvg: [0, 0, 0], memory: 0,
}]));
`;

const cv = (samples: number[]) => (describeSamples(samples).cv ?? 0) * 100;

/** 1.4826 x MAD over the median, in percent: the CV without the odd stretched sample. */
function robustCv(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = (values: number[]) => {
    const m = values.length >> 1;
    return values.length % 2 === 1 ? values[m]! : (values[m - 1]! + values[m]!) / 2;
  };
  const median = mid(sorted);
  return ((1.4826 * mid(sorted.map((v) => Math.abs(v - median)).sort((a, b) => a - b))) / median) * 100;
}

/**
 * The 95 % percentile-bootstrap interval of cv(a) / cv(b), and the share of resamples at or below
 * 1: how sure one run can be of the ratio (a seeded generator, so the figures are reproducible).
 */
function ratioInterval(
  a: readonly number[],
  b: readonly number[],
): { lower: number; upper: number; atMostOne: number } {
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const resample = (xs: readonly number[]) => xs.map(() => xs[Math.floor(random() * xs.length)]!);
  const ratios = Array.from({ length: RESAMPLES }, () => cv(resample(a)) / cv(resample(b))).sort(
    (x, y) => x - y,
  );
  return {
    lower: ratios[Math.floor(RESAMPLES * 0.025)]!,
    upper: ratios[Math.ceil(RESAMPLES * 0.975) - 1]!,
    atMostOne: ratios.filter((r) => r <= 1).length / RESAMPLES,
  };
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-quality-'));
  await chmod(root, 0o755);
  const sshd = await startSshd();
  const runner = await SshRunner.connect(sshd.minion('quality'), { logger: pino({ level: 'silent' }) });
  const hogs: ChildProcess[] = [];
  let counter = 0;
  await writeFile(path.join(root, 'cpu.mjs'), CPU_BENCH);

  const runSuite = async (yaml: string, onBenchmark?: () => void): Promise<RunManifest> => {
    counter++;
    const file = path.join(root, `suite-${counter}.yaml`);
    await writeFile(file, yaml);
    return runPipeline(
      {
        runner,
        suite: parseSuite(yaml, file),
        archiveRoot: path.join(root, 'runs'),
        logger: pino({ level: 'silent' }),
      },
      {
        id: `quality${counter}`,
        attempt: 1,
        request: {
          commit: 'bench',
          benchmarks: [],
          profile: false,
          minion: 'quality',
          priority: 'manual',
          trigger: { kind: 'api', detail: {} },
        },
        signal: new AbortController().signal,
        log: (line) => {
          if (line.startsWith('[cpu] repeat 1/')) onBenchmark?.();
        },
        progress: () => undefined,
      },
    );
  };
  const samplesOf = (m: RunManifest) =>
    m.results.find((r) => r.benchmark === 'cpu')?.benchmarks[0]?.measures.latency?.samples ?? [];
  const suite = (repeats: string, noise = 'false') =>
    `${PIN ? `cpus: "${PIN}"\n` : ''}noise: ${noise}\nbenchmarks:\n  - {name: cpu, command: [node, cpu.mjs], repeats: ${repeats}, results: cpu.json, format: seed}\n`;

  try {
    // 1. CV through benchrunner against the same command run by hand, same repeat count. In
    // alternating blocks, so both see the same moments of the machine (its noise drifts).
    const byHand: number[] = [];
    const through: number[] = [];
    for (let block = 0; block < REPEATS / BLOCK; block++) {
      for (let i = 0; i < BLOCK; i++) {
        const out = path.join(root, 'hand', `${block}-${i}`);
        await run('node', ['cpu.mjs'], { cwd: root, env: { ...process.env, OUT_FOLDER: out } });
        const [record] = JSON.parse(await readFile(path.join(out, 'cpu.json'), 'utf8'));
        byHand.push(record.duration.ms * 1e6);
      }
      through.push(...samplesOf(await runSuite(suite(String(BLOCK)))));
    }
    const cvRatio = cv(through) / cv(byHand);
    const interval = ratioInterval(through, byHand);
    const robustRatio = robustCv(through) / robustCv(byHand);

    // 2a. The minion's own thresholds, as `benchrunner calibrate` finds them: calibrations in a row
    // on the quiet minion, pinned as its runs are.
    const baseline = noiseBaseline(
      await calibrateRepeatedly(runner, {
        runs: BASELINE_RUNS,
        seconds: 0.5,
        pin: PIN ? ['taskset', '-c', PIN] : [],
        cwd: runner.workDir,
        signal: new AbortController().signal,
      }),
    );
    const measured = { ...noiseSettings({})!, ...baseline.suggested };

    // 2. The noise check: quiet runs, then runs with 4 CPU hogs per CPU started at the benchmark.
    const strict = noiseSettings({})!;
    const generous = noiseSettings({ noise: { maxCv: 1e6, maxShift: 100 } })!;
    const verdicts = { quiet: [] as RunManifest[], hogged: [] as RunManifest[] };
    for (let i = 0; i < NOISE_RUNS; i++) {
      verdicts.quiet.push(await runSuite(suite('1', '{seconds: 0.5, maxCv: 1000000, maxShift: 100}')));
      verdicts.hogged.push(
        await runSuite(suite('1', '{seconds: 0.5, maxCv: 1000000, maxShift: 100}'), () => {
          for (let h = 0; h < 4 * os.availableParallelism(); h++) {
            hogs.push(spawn('setsid', ['node', '-e', 'for (;;) {}'], { stdio: 'ignore' }));
          }
        }),
      );
      for (const hog of hogs.splice(0)) if (hog.pid) process.kill(hog.pid, 'SIGKILL');
    }
    /** Why quiet runs were marked noisy by the defaults, one line each. */
    const quietReasons = (runs: RunManifest[], settings: NoiseSettings, by: string) => {
      const lines = runs.flatMap((m, i) => {
        const report = noiseVerdict({ before: m.noise?.before, after: m.noise?.after }, settings);
        return report.verdict === 'noisy' ? [`- quiet run ${i + 1}: ${report.reasons.join('; ')}`] : [];
      });
      return lines.length > 0 ? `Quiet runs marked noisy by ${by}, and why:\n\n${lines.join('\n')}\n\n` : '';
    };
    const noisyUnder = (runs: RunManifest[], settings: NoiseSettings) =>
      runs.filter(
        (m) => noiseVerdict({ before: m.noise?.before, after: m.noise?.after }, settings).verdict === 'noisy',
      ).length;

    // 3. Adaptive repeats against fixed counts: samples used and the CI reached.
    const adaptive = await runSuite(suite(`{min: 5, max: 60, targetCi: ${TARGET_CI}}`));
    const fixed = [];
    for (const n of FIXED_COUNTS) {
      const samples = samplesOf(await runSuite(suite(String(n))));
      const stats = describeSamples(samples);
      const ci = stats.medianCi
        ? (Math.max(stats.median - stats.medianCi.lower, stats.medianCi.upper - stats.median) /
            stats.median) *
          100
        : Number.NaN;
      fixed.push([`fixed ${n}`, n, ci.toFixed(2), ci <= TARGET_CI ? 'yes' : 'no']);
    }
    const outcome = adaptive.benchmarks[0];
    const smallestFixed = fixed.find((row) => row[3] === 'yes')?.[1];
    const verdict =
      outcome?.stoppedBecause !== 'target-ci'
        ? `Adaptive repeats did not reach the target within ${outcome?.repeats} samples in this run.`
        : smallestFixed === undefined
          ? `Adaptive repeats reached the target with ${outcome.repeats} samples; no fixed count tried did.`
          : `Adaptive repeats reached the target with ${outcome.repeats} samples; the smallest fixed count tried that reached it: ${smallestFixed}.`;
    const load = os.loadavg().map((l) => l.toFixed(1));

    await recordBenchmark(
      'pipeline-measurement-quality',
      'Measurement quality: CV against a hand run, the noise check, adaptive repeats',
      `
All on the loopback SSH minion (sshd on 127.0.0.1, a test user), on this shared 2-core machine.

**CV of a CPU-bound benchmark** (a fixed loop of 2e7 square roots timing itself, ~${(byHand[0]! / 1e6).toFixed(0)} ms),
${REPEATS} repeats each, one run, in alternating blocks of ${BLOCK} (by hand, then a benchrunner run): by hand (\`node cpu.mjs\` from the controller) CV ${cv(byHand).toFixed(2)} %;
through benchrunner${PIN ? ` (suite \`cpus: "${PIN}"\`)` : ''} CV ${cv(through).toFixed(2)} %. Ratio benchrunner / by hand: **${cvRatio.toFixed(2)}** (target <= 1.0),
95 % bootstrap interval ${interval.lower.toFixed(2)}-${interval.upper.toFixed(2)}, ${(interval.atMostOne * 100).toFixed(0)} % of ${RESAMPLES} resamples at or below 1.0.
The same ratio of robust CVs (1.4826 x MAD / median, which one stretched sample does not move): ${robustRatio.toFixed(2)}.

**The minion's own thresholds**: ${BASELINE_RUNS} calibrations in a row on the quiet minion (what \`benchrunner calibrate\` runs):
CPU loop levels ${baseline.cpu.level.min.toFixed(3)}-${baseline.cpu.level.max.toFixed(3)} ms (spread ${baseline.cpu.spread.toFixed(1)} %), robust CV up to ${baseline.cpu.robustCv.max.toFixed(1)} %;
memory loop levels ${baseline.memory.level.min.toFixed(3)}-${baseline.memory.level.max.toFixed(3)} ms (spread ${baseline.memory.spread.toFixed(1)} %), robust CV up to ${baseline.memory.robustCv.max.toFixed(1)} %.
Suggested: \`benchrunner_noise: { maxCv: ${measured.maxCv}, maxShift: ${measured.maxShift}, memoryMaxCv: ${measured.memoryMaxCv}, memoryMaxShift: ${measured.memoryMaxShift} }\`.

**Noise check**, ${NOISE_RUNS} runs each way after the baseline; the hogs (4 per CPU, each \`setsid node -e 'for(;;){}'\`) start
when the benchmark starts, so they are there for the calibration after it. Every run's two calibrations
are judged under each row's settings.

${markdownTable(
  ['settings', 'quiet runs marked noisy', 'hogged runs marked noisy'],
  [
    [
      "the minion's own (from the baseline above)",
      `${noisyUnder(verdicts.quiet, measured)} of ${NOISE_RUNS}`,
      `${noisyUnder(verdicts.hogged, measured)} of ${NOISE_RUNS}`,
    ],
    [
      'defaults (maxCv 10 %, maxShift 10 %)',
      `${noisyUnder(verdicts.quiet, strict)} of ${NOISE_RUNS}`,
      `${noisyUnder(verdicts.hogged, strict)} of ${NOISE_RUNS}`,
    ],
    [
      'level only (maxShift 100 %)',
      `${noisyUnder(verdicts.quiet, generous)} of ${NOISE_RUNS}`,
      `${noisyUnder(verdicts.hogged, generous)} of ${NOISE_RUNS}`,
    ],
  ],
)}

${quietReasons(verdicts.quiet, measured, "the minion's own thresholds")}${quietReasons(verdicts.quiet, strict, 'the defaults')}The verdict judges each loop's robust CV (1.4826 x MAD / median) and the move of its median
level; the defaults are for a dedicated minion, and this shared machine is not always one.

**Adaptive repeats** \`{min: 5, max: 60, targetCi: ${TARGET_CI}}\` against fixed counts (half-width of
the median's 95 % CI in percent of the median):

${markdownTable(
  ['repeats', 'samples', 'CI ± %', `within ±${TARGET_CI} %`],
  [
    [
      `adaptive (stopped: ${outcome?.stoppedBecause ?? '?'})`,
      outcome?.repeats ?? 0,
      outcome?.ci?.toFixed(2) ?? '-',
      outcome?.stoppedBecause === 'target-ci' ? 'yes' : 'no',
    ],
    ...fixed,
  ],
)}

${verdict} The noise of this shared machine moves from minute to minute, so runs made one after
the other see different noise: a fixed count reaching the target in one run says little of the next.

Load average at the end: ${load.join(', ')}.
`,
    );
  } finally {
    for (const hog of hogs) if (hog.pid && hog.exitCode === null) process.kill(hog.pid, 'SIGKILL');
    await runner.close();
    await sshd.stop();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
