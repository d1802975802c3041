import type {
  BusyProcess,
  Calibration,
  CalibrationLoop,
  NoiseReport,
  NoiseSettings,
} from '@benchrunner/core';
import type { CommandRunner } from '@benchrunner/ssh';

/**
 * The calibration, run with `node -e` on the minion (its only argument: seconds). A fixed script:
 * no user input reaches it. Rounds of fixed work, CPU-bound (square roots) then memory-bound (a
 * strided walk over 32 MiB), each loop for half the time and at least 5 rounds after 2 unmeasured
 * ones. On Linux it also reads every process's CPU time from /proc at its start and end, to name
 * what else was busy. It prints one JSON line.
 */
const SCRIPT = `
const fs = require('node:fs');
const budgetMs = Number(process.argv[1]) * 1000;
const now = () => Number(process.hrtime.bigint()) / 1e6;
function cpuTimes() {
  const times = new Map();
  let pids = [];
  try { pids = fs.readdirSync('/proc').filter((p) => /^[0-9]+$/.test(p)); } catch { return times; }
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      times.set(Number(pid), Number(f[11]) + Number(f[12]));
    } catch {}
  }
  return times;
}
let sink = 0;
function cpuRound() { let x = 1; for (let i = 0; i < 300000; i++) x = Math.sqrt(x * 1.000001 + i); sink += x; }
const mem = new Float64Array(4 * 1024 * 1024);
for (let i = 0; i < mem.length; i++) mem[i] = i;
function memoryRound() { let s = 0; for (let j = 0; j < 8; j++) for (let i = j; i < mem.length; i += 64) s += mem[i]; sink += s; }
function loop(round, ms) {
  round(); round();
  const times = [];
  const end = now() + ms;
  while ((times.length < 5 || now() < end) && times.length < 10000) { const t = now(); round(); times.push(now() - t); }
  return times;
}
const ticksBefore = cpuTimes();
const wall0 = now();
const usage0 = process.cpuUsage();
const cpu = loop(cpuRound, budgetMs / 2);
const memory = loop(memoryRound, budgetMs / 2);
const usage = process.cpuUsage(usage0);
const wallMs = now() - wall0;
const busy = [];
for (const [pid, ticks] of cpuTimes()) {
  if (pid === process.pid || !ticksBefore.has(pid)) continue;
  const percent = ((ticks - ticksBefore.get(pid)) * 10 * 100) / wallMs;
  if (percent < 10) continue;
  let command = '';
  try { command = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0').join(' ').trim(); } catch {}
  busy.push({ pid, cpuPercent: Math.round(percent), command: command.slice(0, 200) });
}
busy.sort((a, b) => b.cpuPercent - a.cpuPercent);
console.log(JSON.stringify({ cpu, memory, cpuMs: (usage.user + usage.system) / 1000, wallMs, busy: busy.slice(0, 10), sink: sink > 0 }));
`;

/** Thrown when a calibration cannot run or says nothing usable. */
export class CalibrationError extends Error {
  override name = 'CalibrationError';
}

/** A loop's level (median round), CV and robust CV from its rounds' times (ms). */
export function describeLoop(times: unknown, name: string): CalibrationLoop {
  if (!Array.isArray(times) || times.length < 2 || !times.every((t) => typeof t === 'number' && t >= 0)) {
    throw new CalibrationError(`calibration printed no usable ${name} rounds`);
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const variance = times.reduce((a, t) => a + (t - mean) ** 2, 0) / (times.length - 1);
  const middle = median(times);
  const mad = median(times.map((t) => Math.abs(t - middle)));
  return {
    level: middle,
    cv: mean > 0 ? (Math.sqrt(variance) / mean) * 100 : 0,
    robustCv: middle > 0 ? ((1.4826 * mad) / middle) * 100 : 0,
    rounds: times.length,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs one calibration on the minion through the runner that runs the benchmarks. */
export async function calibrate(
  runner: CommandRunner,
  options: {
    /** Put before the command (`taskset -c CPUS`), as for the benchmarks. */
    pin: readonly string[];
    cwd: string;
    env: Record<string, string>;
    signal: AbortSignal;
    seconds: number;
  },
): Promise<Calibration> {
  const result = await runner.exec([...options.pin, 'node', '-e', SCRIPT, String(options.seconds)], {
    cwd: options.cwd,
    env: options.env,
    signal: options.signal,
    // A starved minion stretches the rounds: allow far more than the budget before giving up.
    timeoutMs: 60_000 + options.seconds * 20_000,
  });
  if (result.exitCode !== 0) {
    const why = result.timedOut ? 'timed out' : `exited ${result.exitCode}`;
    throw new CalibrationError(`calibration (node -e) ${why}: ${result.stderr.trim().slice(-300)}`);
  }
  let printed: Record<string, unknown>;
  try {
    printed = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '');
  } catch {
    throw new CalibrationError(`calibration printed no JSON: ${result.stdout.trim().slice(-300)}`);
  }
  const { cpuMs, wallMs, busy } = printed;
  return {
    cpu: describeLoop(printed.cpu, 'cpu'),
    memory: describeLoop(printed.memory, 'memory'),
    cpuShare: typeof cpuMs === 'number' && typeof wallMs === 'number' && wallMs > 0 ? cpuMs / wallMs : 0,
    busyProcesses: Array.isArray(busy) ? (busy as BusyProcess[]) : [],
  };
}

/** Percent change of `after` from `before`. */
export function shift(before: number, after: number): number {
  return before > 0 ? (Math.abs(after - before) / before) * 100 : 0;
}

/** A loop's thresholds: the memory loop's own where set, else the shared ones. */
function loopThresholds(
  settings: Pick<NoiseSettings, 'maxCv' | 'maxShift' | 'memoryMaxCv' | 'memoryMaxShift'>,
  loop: 'cpu' | 'memory',
): { maxCv: number; maxShift: number } {
  return loop === 'memory'
    ? {
        maxCv: settings.memoryMaxCv ?? settings.maxCv,
        maxShift: settings.memoryMaxShift ?? settings.maxShift,
      }
    : { maxCv: settings.maxCv, maxShift: settings.maxShift };
}

/**
 * The verdict of a run's calibrations: noisy when a loop's robust CV (its plain CV in manifests
 * without one) exceeds its `maxCv`, or its level moved by more than its `maxShift` between before
 * and after (the memory loop's own thresholds where set). One reason per finding. The robust CV leaves out the odd round a timer interrupt
 * stretched (on a quiet VM one such round in twenty took the plain CV past 10 %); a competing
 * process slows most rounds, which both the robust CV and the level see.
 */
export function noiseVerdict(
  calibrations: { before?: Calibration; after?: Calibration; errors?: string[] },
  settings: NoiseSettings,
): NoiseReport {
  const { before, after } = calibrations;
  const reasons = [...(calibrations.errors ?? [])];
  let noisy = false;
  for (const [when, calibration] of [
    ['before', before],
    ['after', after],
  ] as const) {
    for (const loop of ['cpu', 'memory'] as const) {
      const { maxCv } = loopThresholds(settings, loop);
      const cv = calibration ? (calibration[loop].robustCv ?? calibration[loop].cv) : undefined;
      if (cv !== undefined && cv > maxCv) {
        noisy = true;
        reasons.push(`${loop} CV ${cv.toFixed(1)} % ${when} the benchmarks, above ${maxCv} %`);
      }
    }
  }
  if (before && after) {
    for (const loop of ['cpu', 'memory'] as const) {
      const { maxShift } = loopThresholds(settings, loop);
      const moved = shift(before[loop].level, after[loop].level);
      if (moved > maxShift) {
        noisy = true;
        reasons.push(
          `${loop} level moved ${moved.toFixed(1)} % (${before[loop].level.toFixed(2)} -> ${after[loop].level.toFixed(2)} ms), above ${maxShift} %`,
        );
      }
    }
  }
  const busy = new Map<number, BusyProcess>();
  for (const p of [...(before?.busyProcesses ?? []), ...(after?.busyProcesses ?? [])]) {
    const seen = busy.get(p.pid);
    if (!seen || seen.cpuPercent < p.cpuPercent) busy.set(p.pid, p);
  }
  const complete = before !== undefined && after !== undefined;
  return {
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
    verdict: noisy ? 'noisy' : complete ? 'quiet' : 'unknown',
    reasons,
    busyProcesses: [...busy.values()].sort((a, b) => b.cpuPercent - a.cpuPercent),
    settings,
  };
}
