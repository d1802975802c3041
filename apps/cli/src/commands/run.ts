import path from 'node:path';
import { archiveRootOf, runDir } from '@benchrunner/archive';
import {
  createLogger,
  formatProblems,
  InputError,
  LOCAL_MINION,
  loadSuite,
  newRunId,
  RunRequest,
  zodProblems,
} from '@benchrunner/core';
import { TargetResolver } from '@benchrunner/git';
import { runPipeline, summarize } from '@benchrunner/pipeline';
import { formatMeasure } from '@benchrunner/results';
import { LocalRunner } from '@benchrunner/ssh';
import type { Command } from '../cli.ts';
import { RUN_SELECTION_OPTIONS, runSelection, stringOption } from '../options.ts';
import { dataDir, REPO_ROOT } from '../paths.ts';

/** The measures the summary shows: the tools' headline figures (time per op, or ops per second). */
const HEADLINE = /(^| )(latency|throughput)$/;

/** `benchrunner run`: one run on this machine, now, without Redis or the API. */
export const runCommand: Command = {
  name: 'run',
  summary:
    'run the suite (or some benchmarks) on this machine now, without the queue; archive in DATA_DIR/runs',
  positionals: [],
  options: {
    commit: {
      type: 'string',
      valueName: 'REF',
      description: 'commit or ref passed to the suite as BENCHRUNNER_COMMIT (default: HEAD)',
    },
    ...RUN_SELECTION_OPTIONS,
    suite: {
      type: 'string',
      valueName: 'FILE',
      description: 'suite file (default: SUITE_FILE or examples/suite.yaml)',
    },
  },
  details:
    'Exits 0 when every benchmark passed, 1 otherwise. Progress goes to stderr, the summary to stdout.',
  async run({ options }, context) {
    const parsed = RunRequest.safeParse({
      commit: stringOption(options, 'commit') ?? 'HEAD',
      ...runSelection(options),
      ...(stringOption(options, 'tag') ? { tag: stringOption(options, 'tag') } : {}),
    });
    if (!parsed.success) {
      const problems = zodProblems(parsed.error).map((p) => ({ ...p, path: `--${p.path.split(/[.[]/)[0]}` }));
      throw new InputError(`invalid run:\n${formatProblems(problems)}`, problems);
    }
    const suiteFile = path.resolve(
      context.cwd,
      stringOption(options, 'suite') ?? context.env.SUITE_FILE ?? path.join(REPO_ROOT, 'examples/suite.yaml'),
    );
    const suite = await loadSuite(suiteFile);
    const data = dataDir(context.env);
    const id = newRunId();
    const runner = new LocalRunner({ minion: LOCAL_MINION.name, workDir: path.join(data, 'minions', 'cli') });
    const controller = new AbortController();
    const onSignal = () => controller.abort('interrupted');
    process.once('SIGINT', onSignal);
    try {
      const manifest = await runPipeline(
        {
          runner,
          suite,
          archiveRoot: archiveRootOf(data),
          logger: createLogger({ name: 'cli', level: 'silent' }),
          // A suite with a target: --commit is resolved in DATA_DIR/git and recorded in the manifest.
          targets: new TargetResolver({ gitRoot: path.join(data, 'git') }),
        },
        {
          id,
          attempt: 1,
          request: {
            ...parsed.data,
            minion: LOCAL_MINION.name,
            trigger: { kind: 'cli', detail: {} },
            requestedAt: new Date().toISOString(),
          },
          signal: controller.signal,
          log: (line) => context.stderr(`${line}\n`),
          progress: () => undefined,
        },
      );
      const summary = summarize(manifest, runDir(archiveRootOf(data), id));
      context.stdout(
        `run ${id}: ${summary.state} in ${Math.round(summary.durationMs / 100) / 10} s, archive ${summary.archive}\n`,
      );
      for (const b of summary.benchmarks) {
        context.stdout(`  ${b.name}: ${b.status}\n`);
        for (const [measure, m] of Object.entries(b.measures)) {
          if (HEADLINE.test(measure)) context.stdout(`    ${measure}: ${formatMeasure(m.value, m.unit)}\n`);
        }
      }
      return summary.state === 'completed' ? 0 : 1;
    } finally {
      process.off('SIGINT', onSignal);
      await runner.close();
    }
  },
};
