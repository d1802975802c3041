import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { AlertsSpec } from './alerts-spec.ts';
import { ConfigError, formatProblems, type Problem } from './errors.ts';
import { BenchmarkName, EnvName, FileSetName, GitRevision, Profiler } from './names.ts';
import { formatPath } from './zod-problems.ts';

/** A command as an argv array: never a string a shell would split. */
export const Argv = z
  .array(
    z
      .string()
      .min(1)
      .refine((s) => !s.includes('\0'), 'must not contain NUL'),
  )
  .min(1);

/** A path relative to the run's output folder, that cannot escape it. */
const RelativePath = z
  .string()
  .min(1)
  .refine(
    (p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..'),
    'must be a relative path without ".."',
  );

const Seconds = z
  .number()
  .positive()
  .max(7 * 24 * 3600);

/**
 * How results are judged against their history (all optional; a benchmark's fields override the
 * suite's, unset ones take the detector's defaults): `window` baseline points, the largest
 * `maxPValue` (after the false discovery rate correction) and smallest relative `minChange`
 * reported, which `direction` is better when the measure's name does not say, and how a suspected
 * change is `confirm`ed.
 */
export const DetectSpec = z
  .object({
    window: z.number().int().min(2).max(10_000).optional(),
    maxPValue: z.number().gt(0).lt(1).optional(),
    minChange: z.number().min(0).optional(),
    direction: z.enum(['lower', 'higher']).optional(),
    /**
     * Re-measuring a suspected change before it is reported: `rounds` runs of the suspect commit
     * and as many of its baseline, interleaved on the same minion (default 3 each); `false` skips it.
     */
    confirm: z
      .union([z.literal(false), z.object({ rounds: z.number().int().min(2).max(20) }).strict()])
      .optional(),
  })
  .strict();
export type DetectSpec = z.infer<typeof DetectSpec>;

/**
 * Repeat until the 95 % confidence interval of every timing measure's median is within
 * ±`targetCi` percent of the median, or `max` repeats ran; never fewer than `min`.
 */
export const AdaptiveRepeats = z
  .object({
    min: z.number().int().min(1).max(1000),
    max: z.number().int().min(1).max(1000),
    targetCi: z.number().gt(0).max(100),
  })
  .strict()
  .refine((r) => r.min <= r.max, { message: 'must not be below min', path: ['max'] });
export type AdaptiveRepeats = z.infer<typeof AdaptiveRepeats>;

/** A fixed count, or `{min, max, targetCi}` to stop once the results are precise enough. */
export const Repeats = z.union([z.number().int().min(1).max(1000), AdaptiveRepeats], {
  error: 'must be a count (1..1000) or {min, max, targetCi}',
});
export type Repeats = z.infer<typeof Repeats>;

export const BenchmarkSpec = z
  .object({
    name: BenchmarkName,
    description: z.string().max(1000).optional(),
    /** Run in the suite's folder with OUT_FOLDER, BENCHRUNNER_* and FILESET (profile runs) set. */
    command: Argv,
    /** Result format (`seed`, `hyperfine`, ...), or `auto` (the default) to detect it from the content. */
    format: z.string().min(1).default('auto'),
    /**
     * Where, under OUT_FOLDER, the benchmark writes its results (default `<name>.json`), or
     * `stdout`: the command's standard output is the result file.
     */
    results: RelativePath.optional(),
    fileSets: z.array(FileSetName).default([]),
    /** Seconds before the benchmark's process group is killed. */
    timeout: Seconds.default(600),
    /** A fixed count, or `{min, max, targetCi}` to stop once the results are precise enough. */
    repeats: Repeats.default(1),
    warmup: z.number().int().min(0).max(100).default(0),
    profilers: z.array(Profiler).default([]),
    env: z.record(EnvName, z.string()).default({}),
    detect: DetectSpec.optional(),
  })
  .strict();
export type BenchmarkSpec = z.infer<typeof BenchmarkSpec>;

/**
 * The project under test. Runs of a suite with a target measure a commit resolved in the
 * controller's mirror of it (DATA_DIR/git); without one, the requested commit is passed on as given.
 */
export const TargetSpec = z
  .object({
    /** A git URL (`https://`, `ssh://`, `file://`, `user@host:path`) or a path relative to the suite file. */
    repository: z
      .string()
      .min(1)
      .max(1000)
      .refine((r) => !r.startsWith('-'), 'must not start with "-" (git would read it as an option)')
      .refine((r) => !r.includes('::'), 'remote helpers ("transport::address") are not allowed')
      .refine((r) => !/[\s\0]/.test(r), 'must not contain whitespace'),
    /** The main line: runs of a tag or a sha belong to it unless the trigger names another branch. */
    branch: GitRevision.default('main'),
  })
  .strict();
export type TargetSpec = z.infer<typeof TargetSpec>;

/** A CPU list as taskset takes it: `0`, `2-3`, `0,2-3`. */
export const CpuList = z
  .string()
  .regex(/^\d{1,4}(-\d{1,4})?(,\d{1,4}(-\d{1,4})?)*$/, 'must be a CPU list such as "0", "2-3" or "0,2-3"');

/**
 * The noise check: a short calibration (a CPU-bound and a memory-bound loop of fixed work) run
 * on the minion before the benchmarks and after them. A run is `noisy` when a loop's coefficient
 * of variation exceeds `maxCv` percent, or its level (median time per round) moved by more than
 * `maxShift` percent between before and after. The memory-bound loop has thresholds of its own
 * (`memoryMaxCv`, `memoryMaxShift`, each `maxCv` / `maxShift` when unset): its level depends on
 * the pages a process gets and on what shares the caches, so on some machines it varies between
 * two quiet processes far more than the CPU-bound loop does (`benchrunner calibrate` measures both).
 */
export const NoiseSpec = z
  .object({
    /** Length of each calibration (before and after), in seconds. */
    seconds: z.number().gt(0).max(60).optional(),
    maxCv: z.number().gt(0).optional(),
    maxShift: z.number().gt(0).optional(),
    /** `maxCv` of the memory-bound loop; `maxCv` when unset. */
    memoryMaxCv: z.number().gt(0).optional(),
    /** `maxShift` of the memory-bound loop; `maxShift` when unset. */
    memoryMaxShift: z.number().gt(0).optional(),
    /** How many times a noisy nightly run is queued again (each new run links to the noisy one); 0: never. */
    requeue: z.number().int().min(0).max(10).optional(),
  })
  .strict();
export type NoiseSpec = z.infer<typeof NoiseSpec>;

/** The noise check's settings in effect: the suite's, else the minion's, else these. */
const NOISE_DEFAULTS = { seconds: 0.5, maxCv: 10, maxShift: 10, requeue: 1 } as const;
/** The settings in effect; the memory loop's own thresholds only where one was set. */
export type NoiseSettings = { [K in Exclude<keyof NoiseSpec, MemoryThreshold>]-?: number } & {
  [K in MemoryThreshold]?: number;
};
type MemoryThreshold = 'memoryMaxCv' | 'memoryMaxShift';

export const SuiteSpec = z
  .object({
    project: z.string().min(1).max(100).default('benchmarks'),
    target: TargetSpec.optional(),
    /** Prepares the target at the requested commit (BENCHRUNNER_COMMIT and, with a target, BENCHRUNNER_REPOSITORY set). Runs before any benchmark. */
    setup: Argv.optional(),
    /** Seconds the setup command may take. */
    setupTimeout: Seconds.default(1800),
    /** Environment for every command of the suite. */
    env: z.record(EnvName, z.string()).default({}),
    benchmarks: z.array(BenchmarkSpec).min(1),
    detect: DetectSpec.optional(),
    /** CPUs of the minion the benchmarks, profiled runs and noise calibrations run on (`taskset -c`). */
    cpus: CpuList.optional(),
    /** The noise check's settings, or `false` to run without one. */
    noise: z.union([z.literal(false), NoiseSpec]).optional(),
    /** Which regression statuses are sent, and which configured channels this suite uses. */
    alerts: AlertsSpec.optional(),
  })
  .strict()
  .superRefine((suite, ctx) => {
    const seen = new Map<string, number>();
    suite.benchmarks.forEach((b, i) => {
      const first = seen.get(b.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['benchmarks', i, 'name'],
          message: `duplicate of benchmarks[${first}].name`,
        });
      } else seen.set(b.name, i);
    });
  });
export type SuiteSpec = z.infer<typeof SuiteSpec>;

/**
 * The suite's noise check settings with defaults ({@link NOISE_DEFAULTS}) filled in, or null when
 * it has `noise: false`. A minion's thresholds are merged into the suite before (pipeline's
 * `suiteOnMinion`).
 */
export function noiseSettings(spec: Pick<SuiteSpec, 'noise'>): NoiseSettings | null {
  if (spec.noise === false) return null;
  const given = Object.entries(spec.noise ?? {}).filter(([, v]) => v !== undefined);
  return { ...NOISE_DEFAULTS, ...Object.fromEntries(given) };
}

/** The fewest and most repeats of a benchmark, and its CI target (percent) when it has one. */
export function repeatBounds(benchmark: Pick<BenchmarkSpec, 'repeats'>): {
  min: number;
  max: number;
  targetCi?: number;
} {
  const r = benchmark.repeats;
  return typeof r === 'number' ? { min: r, max: r } : r;
}

/** A loaded suite: the validated spec, where it came from and a hash of the file's content. */
export interface Suite {
  spec: SuiteSpec;
  file: string;
  /** Folder of the suite file: commands run here, and provisioning copies it to a minion. */
  dir: string;
  /** sha256 of the suite file's bytes. */
  fileHash: string;
}

/** Validates a suite from its YAML text. Errors name the file, the path in it, the line and column. */
export function parseSuite(text: string, file: string): Suite {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      return { path: `line ${pos.line}, column ${pos.col}`, message: e.message.split('\n')[0] ?? e.message };
    });
    throw new ConfigError(`suite file ${file} is not valid YAML:\n${formatProblems(problems)}`, problems);
  }
  const result = SuiteSpec.safeParse(doc.toJS());
  if (!result.success) {
    const problems: Problem[] = result.error.issues.map((issue) => {
      // Walk up the path until a node exists, to point at the closest line.
      let node: unknown;
      for (let n = issue.path.length; n >= 0 && !node; n--) {
        node = n === 0 ? doc.contents : doc.getIn(issue.path.slice(0, n) as unknown[], true);
      }
      const where = isNode(node) && node.range ? lineCounter.linePos(node.range[0]) : undefined;
      const at = where ? ` (line ${where.line}, column ${where.col})` : '';
      return { path: `${formatPath(issue.path) || '(root)'}${at}`, message: issue.message };
    });
    throw new ConfigError(`suite file ${file} is invalid:\n${formatProblems(problems)}`, problems);
  }
  return {
    spec: result.data,
    file,
    dir: path.dirname(path.resolve(file)),
    fileHash: createHash('sha256').update(text).digest('hex'),
  };
}

/** Reads and validates a suite file. */
export async function loadSuite(file: string): Promise<Suite> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read suite file ${file}: ${(cause as Error).message}`, [], { cause });
  }
  return parseSuite(text, file);
}

/** The `results` value that makes a benchmark's standard output its result file. */
export const STDOUT_RESULTS = 'stdout';

/** Whether the benchmark's standard output is its result file (`results: stdout`). */
export function resultsOnStdout(benchmark: BenchmarkSpec): boolean {
  return benchmark.results === STDOUT_RESULTS;
}

/**
 * The results file of a benchmark, relative to OUT_FOLDER. With `results: stdout` the run keeps
 * the command's standard output under this name (`stdout`) in the repeat's folder.
 */
export function resultsPath(benchmark: BenchmarkSpec): string {
  return benchmark.results ?? `${benchmark.name}.json`;
}
