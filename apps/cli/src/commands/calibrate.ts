import path from 'node:path';
import { loadInventory } from '@benchrunner/ansible/inventory';
import {
  CpuList,
  createLogger,
  LOCAL_MINION,
  type Minion,
  NoiseSpec,
  noiseSettings,
} from '@benchrunner/core';
import {
  BASELINE_RUNS,
  CalibrationError,
  calibrateRepeatedly,
  type LoopBaseline,
  type NoiseBaseline,
  noiseBaseline,
} from '@benchrunner/pipeline';
import { type CommandRunner, LocalRunner, SshRunner } from '@benchrunner/ssh';
import { type Command, type CommandContext, UsageError } from '../cli.ts';
import { numberOption, stringOption } from '../options.ts';
import { dataDir, REPO_ROOT } from '../paths.ts';

/** The built-in thresholds, for the note on suggestions above them. */
const DEFAULTS = noiseSettings({})!;

/** The minion named by --minion in INVENTORY_FILE, or this machine. */
async function minionOf(name: string | undefined, env: NodeJS.ProcessEnv): Promise<Minion> {
  if (name === undefined || name === LOCAL_MINION.name) return LOCAL_MINION;
  if (!env.INVENTORY_FILE) {
    throw new UsageError(`--minion ${name} needs INVENTORY_FILE, the inventory that defines it`);
  }
  const file = path.resolve(REPO_ROOT, env.INVENTORY_FILE);
  const minions = await loadInventory(file);
  const minion = minions.find((m) => m.name === name);
  if (minion === undefined) {
    throw new UsageError(
      `no minion '${name}' in ${file} (it has: ${minions.map((m) => m.name).join(', ') || 'none'})`,
    );
  }
  return minion;
}

async function connect(minion: Minion, env: NodeJS.ProcessEnv): Promise<CommandRunner> {
  if (minion.kind === 'ssh')
    return SshRunner.connect(minion, { logger: createLogger({ name: 'cli', level: 'silent' }) });
  // The worker's folder for the local minion: its lock keeps a calibration and a run apart.
  return new LocalRunner({ minion: minion.name, workDir: path.join(dataDir(env), 'minions', minion.name) });
}

const ms = (n: number) => n.toFixed(3);
const pct = (n: number) => `${n.toFixed(1)} %`;

function loopLine(name: string, loop: LoopBaseline): string {
  const level = `${ms(loop.level.min)} / ${ms(loop.level.median)} / ${ms(loop.level.max)}`;
  const cv = `${loop.robustCv.median.toFixed(1)} / ${pct(loop.robustCv.max)}`;
  return `  ${name.padEnd(8)}${level.padEnd(31)}${pct(loop.spread).padEnd(10)}${cv}\n`;
}

function report(
  context: CommandContext,
  minion: string,
  cpus: string | undefined,
  seconds: number,
  b: NoiseBaseline,
) {
  const s = b.suggested;
  let text = `${b.calibrations} calibrations of ${seconds} s on ${minion}${cpus ? ` (cpus ${cpus})` : ''}:\n\n`;
  text += `  ${'loop'.padEnd(8)}${'level ms (min / median / max)'.padEnd(31)}${'spread'.padEnd(10)}robust CV (median / max)\n`;
  text += loopLine('cpu', b.cpu) + loopLine('memory', b.memory);
  text += `\nThe thresholds these quiet calibrations call for (the largest seen x 1.5, rounded up):\n\n`;
  text += `  benchrunner_noise: { maxCv: ${s.maxCv}, maxShift: ${s.maxShift}, memoryMaxCv: ${s.memoryMaxCv}, memoryMaxShift: ${s.memoryMaxShift} }\n\n`;
  text += `Put it under the minion in the inventory (INVENTORY_FILE); a suite's own noise: settings still win.\n`;
  const wide = Object.entries(s).filter(
    ([key, value]) => value > (key.endsWith('Cv') ? DEFAULTS.maxCv : DEFAULTS.maxShift),
  );
  if (wide.length > 0) {
    text += `\nAbove the defaults (maxCv ${DEFAULTS.maxCv} %, maxShift ${DEFAULTS.maxShift} %): ${wide.map(([k, v]) => `${k} ${v}`).join(', ')}. `;
    text += `A run on this minion is judged against its own noise, and a change smaller than it cannot be told from it: tune the minion (infrastructure/ansible/playbooks/tuning.yaml) and calibrate again.\n`;
  }
  if (b.busyProcesses.length > 0) {
    text += `\nOther processes used the CPU during the calibrations; a baseline beside them is not a quiet one:\n`;
    for (const p of b.busyProcesses) text += `  ${p.pid} (${p.cpuPercent} %) ${p.command}\n`;
  }
  context.stdout(text);
}

/** `benchrunner calibrate`: a minion's noise thresholds from its own quiet calibrations. */
export const calibrateCommand: Command = {
  name: 'calibrate',
  summary: "measure a minion's noise with the noise check's calibration and suggest its thresholds",
  positionals: [],
  options: {
    minion: {
      type: 'string',
      valueName: 'NAME',
      description: 'a minion of INVENTORY_FILE (default: this machine, the local minion)',
    },
    runs: {
      type: 'string',
      valueName: 'N',
      description: `calibrations to run, one after the other (default ${BASELINE_RUNS})`,
    },
    seconds: {
      type: 'string',
      valueName: 'S',
      description: `length of each calibration, as the suite's noise.seconds (default ${DEFAULTS.seconds})`,
    },
    cpus: {
      type: 'string',
      valueName: 'LIST',
      description: "pin the calibrations with taskset (default: the minion's benchrunner_cpus)",
    },
    wait: {
      type: 'string',
      valueName: 'S',
      description: "seconds to wait for the minion's lock when a run holds it (default 0: fail at once)",
    },
    json: { type: 'boolean', description: 'print the calibrations and the baseline as JSON' },
  },
  details: `Runs the calibration of the noise check (a CPU-bound and a memory-bound loop, each a fresh
process, as a run does before and after its benchmarks) N times while holding the minion's lock, so
no run shares the machine with it. Prints each loop's levels, the largest move of its level between
two calibrations (what maxShift judges) and its robust CV (what maxCv judges), and the inventory
line benchrunner_noise with thresholds 1.5 x the largest seen. Run it on a quiet minion, after
tuning it: the suggestion is what this machine's quiet looks like.`,
  async run({ options }, context) {
    const runs = numberOption(options, 'runs', {
      min: 0,
      max: Number.POSITIVE_INFINITY,
      fallback: BASELINE_RUNS,
    });
    if (!Number.isInteger(runs) || runs < 2 || runs > 1000) {
      throw new UsageError(
        `option '--runs' must be a whole number from 2 to 1000 (one calibration says nothing of how the level moves), got '${stringOption(options, 'runs')}'`,
      );
    }
    // As the suite's noise.seconds takes it.
    const seconds = NoiseSpec.shape.seconds.safeParse(
      numberOption(options, 'seconds', { min: 0, max: Number.POSITIVE_INFINITY, fallback: DEFAULTS.seconds }),
    );
    if (!seconds.success) {
      throw new UsageError(
        `option '--seconds' must be above 0 and at most 60, got '${stringOption(options, 'seconds')}'`,
      );
    }
    const waitMs = numberOption(options, 'wait', { min: -1, max: 86_401, fallback: 0 }) * 1000;
    const given = stringOption(options, 'cpus');
    if (given !== undefined && !CpuList.safeParse(given).success) {
      throw new UsageError(
        `option '--cpus' must be a CPU list such as "0", "2-3" or "0,2-3", got '${given}'`,
      );
    }
    if (runs < 2)
      throw new UsageError(
        `option '--runs' must be at least 2: one calibration says nothing of how the level moves`,
      );
    const minion = await minionOf(stringOption(options, 'minion'), context.env);
    const cpus = given ?? (minion.kind === 'ssh' ? minion.cpus : undefined);
    const controller = new AbortController();
    const onSignal = () => controller.abort('interrupted');
    process.once('SIGINT', onSignal);
    const runner = await connect(minion, context.env);
    try {
      const lock = await runner.lock({ waitMs, signal: controller.signal });
      try {
        const calibrations = await calibrateRepeatedly(runner, {
          runs,
          seconds: seconds.data!,
          pin: cpus ? ['taskset', '-c', cpus] : [],
          cwd: runner.workDir,
          signal: controller.signal,
          onCalibration: (c, i) =>
            context.stderr(
              `calibration ${i + 1}/${runs}: cpu ${ms(c.cpu.level)} ms (robust CV ${pct(c.cpu.robustCv ?? c.cpu.cv)}), memory ${ms(c.memory.level)} ms (robust CV ${pct(c.memory.robustCv ?? c.memory.cv)})\n`,
            ),
        });
        const baseline = noiseBaseline(calibrations);
        if (options.json === true) {
          context.stdout(
            `${JSON.stringify({ minion: minion.name, cpus: cpus ?? null, seconds: seconds.data, baseline, calibrations }, null, 2)}\n`,
          );
        } else report(context, minion.name, cpus, seconds.data!, baseline);
      } catch (error) {
        if (!(error instanceof CalibrationError)) throw error;
        context.stderr(`benchrunner calibrate: on ${minion.name}: ${error.message}\n`);
        return 1;
      } finally {
        await lock.release();
      }
    } finally {
      process.off('SIGINT', onSignal);
      await runner.close();
    }
    return 0;
  },
};
