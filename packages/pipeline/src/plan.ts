import path from 'node:path';
import { type BenchmarkSpec, InputError, type Profile, type Profiler, type Suite } from '@benchrunner/core';

/** The suite's benchmarks a request selects (all when the list is empty), in suite order. */
export function selectBenchmarks(suite: Suite, names: readonly string[]): BenchmarkSpec[] {
  if (names.length === 0) return suite.spec.benchmarks;
  const known = new Set(suite.spec.benchmarks.map((b) => b.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new InputError(
      `unknown benchmark${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (the suite has ${[...known].join(', ')})`,
      unknown.map((name) => ({ path: 'benchmarks', message: `unknown benchmark "${name}"` })),
    );
  }
  const wanted = new Set(names);
  return suite.spec.benchmarks.filter((b) => wanted.has(b.name));
}

export interface ProfileRun {
  benchmark: BenchmarkSpec;
  profiler: Profiler;
  /** Set as FILESET for the profiled run; absent when the benchmark declares no file sets. */
  fileSet?: string;
}

/**
 * The profiled re-runs a request asks for: each selected benchmark under each of its declared
 * profilers (narrowed by the request) for each of its file sets (narrowed likewise).
 */
export function planProfiles(benchmarks: readonly BenchmarkSpec[], profile: Profile): ProfileRun[] {
  if (profile === false) return [];
  const onlyProfilers = profile === true ? undefined : profile.profilers;
  const onlyFileSets = profile === true ? undefined : profile.fileSets;
  const runs: ProfileRun[] = [];
  for (const benchmark of benchmarks) {
    const profilers = benchmark.profilers.filter((p) => !onlyProfilers || onlyProfilers.includes(p));
    const fileSets = benchmark.fileSets.filter((f) => !onlyFileSets || onlyFileSets.includes(f));
    if (benchmark.fileSets.length > 0 && fileSets.length === 0) continue;
    for (const profiler of profilers) {
      if (fileSets.length === 0) runs.push({ benchmark, profiler });
      else for (const fileSet of fileSets) runs.push({ benchmark, profiler, fileSet });
    }
  }
  return runs;
}

/** The file name (no extension) of a profile in the archive. */
export function profileLabel(run: ProfileRun): string {
  return run.fileSet ? `${run.profiler}-${run.fileSet}` : run.profiler;
}

/**
 * Where a minion's profilers live: the minion playbook installs clinic with
 * `npm install --prefix <workDir>/tools` (infrastructure/ansible/playbooks/minion.yaml).
 */
export function toolsDir(workDir: string): string {
  return path.posix.join(workDir, 'tools');
}

/** The folders searched for tools before PATH: the suite's own node_modules/.bin, then the tools'. */
export function toolPath(options: { suiteDir: string; toolsDir?: string }): string {
  return [options.suiteDir, ...(options.toolsDir ? [options.toolsDir] : [])]
    .map((dir) => path.posix.join(dir, 'node_modules', '.bin'))
    .join(':');
}

/**
 * argv and env of a profiled run. `clinic` is looked up in the suite's node_modules/.bin first, then
 * in the tools folder's (where provisioning installs it), then PATH; the shell script is fixed and
 * every value reaches it as a positional argument.
 */
export function profilerCommand(
  run: ProfileRun,
  options: { suiteDir: string; profileDir: string; toolsDir?: string },
): { argv: string[]; env: Record<string, string> } {
  const { benchmark, profiler } = run;
  const withLocalBin = ['sh', '-c', 'PATH="$1:$PATH"; shift; exec "$@"', 'sh', toolPath(options)];
  switch (profiler) {
    case 'doctor':
    case 'flame':
    case 'bubbleprof':
      return {
        argv: [
          ...withLocalBin,
          'clinic',
          profiler,
          '--dest',
          options.profileDir,
          '--open=false',
          '--',
          ...benchmark.command,
        ],
        // Without NO_INSIGHT clinic asks a question, and non-interactively it exits 0 doing nothing.
        env: { NO_INSIGHT: '1' },
      };
    case 'cpu-prof':
    case 'heap-prof': {
      // Node refuses --cpu-prof/--heap-prof in NODE_OPTIONS: the flags go right after `node`.
      const [node, ...rest] = benchmark.command;
      if (!node || !isNode(node)) {
        throw new InputError(
          `profiler ${profiler} needs a benchmark command that starts with node (${benchmark.name} runs ${node})`,
        );
      }
      return {
        argv: [node, `--${profiler}`, `--${profiler}-dir=${options.profileDir}`, ...rest],
        env: {},
      };
    }
  }
}

function isNode(command: string): boolean {
  return /^node(js)?(\d+)?$/.test(path.posix.basename(command));
}
