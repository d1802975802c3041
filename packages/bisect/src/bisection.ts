import { InputError, type Logger, newRunId, RunJobData, type RunManifest } from '@benchrunner/core';
import type { GitMirror } from '@benchrunner/git';
import {
  type BisectCommit,
  type BisectInput,
  type BisectStep,
  bisectProblem,
  nextStep,
  type ProbeRecord,
  type ProbeResult,
  recordProbe,
} from '@benchrunner/results';
import {
  type Bisection,
  type BisectionEnd,
  type BisectionProbe,
  type Culprit,
  culpritOf,
  type Regression,
  type ResultsDb,
} from '@benchrunner/results-db';

/** What a bisection needs from the outside: the results database, the target's mirror, a lane. */
export interface BisectionDeps {
  results: ResultsDb;
  /** The bare mirror of the suite's target repository; undefined for a suite without a target. */
  mirror: () => Promise<GitMirror | undefined>;
  /** Adds a run to its minion's lane (the existing enqueue); answers with the run's id. */
  enqueue: (data: RunJobData) => Promise<{ id: string }>;
  logger: Logger;
  /**
   * Told when a bisection ends (any status), after the end is stored; told again when a probe run
   * of an ended bisection is stored again (a retried publish), so at least once: be idempotent.
   * What it throws is thrown on (the publish job retries).
   */
  onEnded?: (bisection: Bisection) => Promise<void>;
}

/** A range given by hand (`POST /regressions/:id/bisect`); each left out comes from the record. */
export interface BisectRequest {
  good?: string;
  bad?: string;
  benchmarks?: string[];
}

/** What starting a bisection gave: one, or none because the range holds a single commit (its culprit). */
export type Started = { bisection: Bisection } | { bisection: null; culprit: Culprit; reason: string };

/** Bad input of a bisection asked for by hand: the field it names. */
export class BisectInputError extends InputError {
  override name = 'BisectInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`, [{ path: field, message }]);
  }
}

/** Commits of (good, bad] in first-parent order, oldest first, with each merge's merged commits. */
async function rangeCommits(mirror: GitMirror, good: string, bad: string): Promise<BisectCommit[]> {
  const shas = (await mirror.revList(good, bad, { firstParent: true })).reverse();
  const commits: BisectCommit[] = [];
  for (const sha of shas) {
    const info = await mirror.commit(sha);
    const first = info.parents[0];
    const merged = info.parents.length > 1 && first ? await mirror.revList(first, sha) : [];
    commits.push({
      sha,
      parents: info.parents,
      subject: info.subject,
      author: info.author,
      authorTime: info.authorTime,
      ...(info.parents.length > 1 ? { merged: merged.filter((m) => m !== sha) } : {}),
    });
  }
  return commits;
}

function bisectionId(): string {
  return `b${newRunId().slice(1)}`;
}

/**
 * Starts bisecting a regression's range (or a range given by hand): the commits between its last
 * good and first bad commit in the target's first-parent order, the ends' samples from the stored
 * runs of its series. A range of one commit needs no bisection: that commit is the culprit.
 * Problems with the data (commits gone after a force-push, ends that do not differ) give a
 * bisection recorded as `failed` with the reason; problems with a request by hand throw
 * {@link BisectInputError} naming the field.
 */
export async function startBisection(
  deps: BisectionDeps,
  regression: Regression,
  request: BisectRequest = {},
): Promise<Started> {
  const byHand = request.good !== undefined || request.bad !== undefined;
  const good = request.good ?? regression.lastGood?.commit;
  const bad = request.bad ?? regression.firstBad.commit;
  if (good === undefined) {
    throw new BisectInputError('good', 'the regression has no last good commit: give one');
  }
  const series = {
    key: regression.series.key,
    benchmark: regression.series.benchmark,
    minion: regression.series.minion,
    branch: regression.series.branch,
  };
  const record = { id: bisectionId(), regressionId: regression.id, series, good, bad };
  const fail = (reason: string, input?: BisectInput) =>
    deps.results.bisections
      .create({ ...record, input: input ?? { commits: [], good: [], bad: [] } }, { status: 'failed', reason })
      .then((bisection) => ({ bisection }));

  const mirror = await deps.mirror();
  if (!mirror) return fail('the suite has no target repository: nothing to walk');
  const ends: string[] = [];
  for (const [field, ref] of [
    ['good', good],
    ['bad', bad],
  ] as const) {
    try {
      ends.push((await mirror.resolve(ref)).commit.sha);
    } catch (error) {
      const reason = `commit ${ref} is not in ${mirror.location} (gone after a force-push?): ${(error as Error).message}`;
      if (byHand && request[field] !== undefined) throw new BisectInputError(field, reason);
      return fail(reason);
    }
  }
  const [goodSha = good, badSha = bad] = ends;
  record.good = goodSha;
  record.bad = badSha;
  let commits: BisectCommit[];
  try {
    commits = await rangeCommits(mirror, goodSha, badSha);
  } catch (error) {
    return fail(`cannot walk ${goodSha}..${badSha}: ${(error as Error).message}`);
  }
  if (commits.length === 0) {
    const reason = `${badSha} is not after ${goodSha} on the first-parent chain: the range is empty`;
    if (byHand) throw new BisectInputError('bad', reason);
    return fail(reason);
  }
  if (commits.length === 1) {
    const culprit = culpritOf(commits[0] as BisectCommit);
    return {
      bisection: null,
      culprit,
      reason: 'the range holds one commit: it is the culprit, no bisection needed',
    };
  }
  const goodSamples = await endSamples(deps, regression, goodSha, 'good');
  const badSamples = await endSamples(deps, regression, badSha, 'bad');
  const input: BisectInput = {
    commits,
    good: goodSamples ?? [],
    bad: badSamples ?? [],
    ...(request.benchmarks ? { benchmarks: request.benchmarks } : {}),
  };
  const missing = goodSamples === null ? 'good' : badSamples === null ? 'bad' : undefined;
  if (missing) {
    const reason = `no stored run of the series at the ${missing} end ${missing === 'good' ? goodSha : badSha}`;
    if (byHand) throw new BisectInputError(missing, `${reason}: run it first`);
    return fail(reason, input);
  }
  const problem = bisectProblem(input);
  if (problem) return fail(problem, input);
  await deps.results.bisections.create({ ...record, input });
  deps.logger.info(
    { bisection: record.id, regression: regression.id, good: goodSha, bad: badSha, commits: commits.length },
    'bisection started',
  );
  return { bisection: await advanceBisection(deps, record.id) };
}

/** The samples of the regression's series at an end: the record's own run, or any stored run at that commit. */
async function endSamples(
  deps: BisectionDeps,
  regression: Regression,
  sha: string,
  end: 'good' | 'bad',
): Promise<number[] | null> {
  const own = end === 'good' ? regression.lastGood : regression.firstBad;
  if (own && own.commit === sha) {
    const samples = await deps.results.bisections.samples(own.runId, regression.series.key);
    if (samples) return samples;
  }
  return deps.results.bisections.samplesAt(regression.series.key, sha);
}

function toRecord(probe: BisectionProbe): ProbeRecord {
  return {
    index: probe.position,
    sha: probe.commit,
    attempt: probe.attempt,
    repeats: probe.repeats,
    outcome: probe.outcome as ProbeRecord['outcome'],
    samples: probe.samples,
    figures: probe.figures,
    ...(probe.reason ? { reason: probe.reason } : {}),
  };
}

function judged(bisection: Bisection): ProbeRecord[] {
  return bisection.probes.filter((p) => p.outcome !== 'pending' && p.outcome !== 'cancelled').map(toRecord);
}

function endOf(step: Exclude<BisectStep, { kind: 'probe' }>): BisectionEnd {
  if (step.kind === 'done') return { status: 'done', culprit: culpritOf(step.culprit) };
  if (step.kind === 'ambiguous') {
    return { status: 'ambiguous', candidates: step.candidates.map(culpritOf), reason: step.reason };
  }
  return { status: 'failed', reason: step.reason };
}

/**
 * Takes a running bisection one step: enqueues its next probe (priority class `bisect`, the
 * affected benchmarks only, on the regression's minion), or ends it. Does nothing while a probe is
 * pending or once it ended. Returns the bisection as stored after the step.
 */
export async function advanceBisection(deps: BisectionDeps, id: string): Promise<Bisection> {
  const store = deps.results.bisections;
  const bisection = await store.get(id);
  if (bisection.status !== 'running' || bisection.probes.some((p) => p.outcome === 'pending'))
    return bisection;
  const input = await store.input(id);
  const step = nextStep(input, judged(bisection));
  if (step.kind !== 'probe') {
    const end = endOf(step);
    await store.end(id, end);
    deps.logger.info(
      { bisection: id, status: end.status, probes: bisection.probes.length },
      'bisection ended',
    );
    const ended = await store.get(id);
    await deps.onEnded?.(ended);
    return ended;
  }
  const data = RunJobData.parse({
    commit: step.sha,
    branch: bisection.series.branch,
    benchmarks: input.benchmarks ?? [bisection.series.benchmark],
    minion: bisection.series.minion,
    priority: 'bisect',
    repeats: step.repeats,
    trigger: { kind: 'api', detail: { bisection: id } },
    requestedAt: new Date().toISOString(),
    probe: {
      kind: 'bisection',
      bisection: id,
      ...(bisection.regressionId ? { regression: bisection.regressionId } : {}),
    },
  });
  const { id: runId } = await deps.enqueue(data);
  await store.addProbe(id, {
    commit: step.sha,
    position: step.index,
    attempt: step.attempt,
    repeats: step.repeats,
    runId,
  });
  deps.logger.info(
    { bisection: id, runId, commit: step.sha, attempt: step.attempt },
    'bisection probe queued',
  );
  return store.get(id);
}

/**
 * Feeds a stored run to the bisections waiting on it (its own, and any whose probe a waiting
 * identical run answered): judges it against both ends (a run that failed, e.g. its build, is
 * skipped) and takes each one's next step. Call it once the run's results are in the results
 * database; idempotent (a retried publish judges nothing twice).
 */
export async function onProbeStored(deps: BisectionDeps, manifest: RunManifest): Promise<void> {
  const store = deps.results.bisections;
  await feed(deps, manifest.id, manifest.request.probe, async (seriesKey) => {
    const samples = manifest.state === 'completed' ? await store.samples(manifest.id, seriesKey) : null;
    return samples
      ? { samples }
      : { failed: manifest.error ?? `the run ended ${manifest.state} without a point of the series` };
  });
}

/**
 * A probe run that failed with nothing archived (cancelled before it started, say): its commit is
 * skipped and the search goes on, so the bisection never waits for a run that will not come.
 */
export async function onProbeLost(
  deps: BisectionDeps,
  runId: string,
  data: unknown,
  reason: string,
): Promise<void> {
  const parsed = RunJobData.safeParse(data);
  await feed(deps, runId, parsed.success ? parsed.data.probe : undefined, async () => ({
    failed: `the run failed before it measured anything: ${reason}`,
  }));
}

async function feed(
  deps: BisectionDeps,
  runId: string,
  probe: RunJobData['probe'],
  resultOf: (seriesKey: string) => Promise<ProbeResult>,
): Promise<void> {
  const store = deps.results.bisections;
  const own = probe?.kind === 'bisection' ? [probe.bisection] : [];
  const ids = new Set([...own, ...(await store.waitingOn(runId))]);
  for (const id of ids) {
    const bisection = await store.get(id).catch(() => undefined);
    if (!bisection) continue;
    if (bisection.status !== 'running') {
      // Its own probe stored again after it ended (a retry of the publish that ended it).
      if (own.includes(id) && bisection.probes.some((p) => p.runId === runId))
        await deps.onEnded?.(bisection);
      continue;
    }
    const pending = bisection.probes.find((p) => p.runId === runId && p.outcome === 'pending');
    if (pending) {
      const input = await store.input(id);
      const result = await resultOf(bisection.series.key);
      const step = {
        kind: 'probe' as const,
        index: pending.position,
        sha: pending.commit,
        attempt: pending.attempt,
        repeats: pending.repeats,
      };
      await store.finishProbe(id, pending.seq, recordProbe(input, judged(bisection), step, result));
    }
    await advanceBisection(deps, id);
  }
}

/**
 * Stops a running bisection: it ends `cancelled` and its probes still pending are returned, so the
 * caller removes them from the lane (or aborts the one running).
 */
export async function stopBisection(
  deps: Pick<BisectionDeps, 'results'>,
  id: string,
  reason: string,
): Promise<{ bisection: Bisection; pendingRuns: string[] }> {
  const store = deps.results.bisections;
  const before = await store.get(id);
  const pendingRuns = before.probes.flatMap((p) => (p.outcome === 'pending' && p.runId ? [p.runId] : []));
  const stopped = await store.end(id, { status: 'cancelled', reason });
  return { bisection: await store.get(id), pendingRuns: stopped ? pendingRuns : [] };
}
