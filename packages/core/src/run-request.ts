import { z } from 'zod';
import { BenchmarkName, FileSetName, GitRevision, MinionName, Profiler, Tag } from './names.ts';
import { Repeats } from './suite.ts';
import { RunTarget } from './target.ts';

/** Why a run was asked for; decides its priority in the lane. */
export const PriorityClass = z.enum(['manual', 'ci', 'bisect', 'nightly']);
export type PriorityClass = z.infer<typeof PriorityClass>;

/**
 * BullMQ priorities (lower runs first). Every class is >= 1 because priority 0 would jump ahead of
 * all prioritised jobs. A person waiting at a terminal goes first, then CI gating a merge, then
 * automated bisection, then the nightly run.
 */
export const PRIORITY: Record<PriorityClass, number> = { manual: 1, ci: 2, bisect: 3, nightly: 4 };

export const ProfileSelection = z
  .object({
    profilers: z.array(Profiler).min(1).max(10).optional(),
    fileSets: z.array(FileSetName).min(1).max(100).optional(),
  })
  .strict();

/** `true`: every profiler a benchmark declares, on all its file sets; an object narrows it down. */
export const Profile = z.union([z.boolean(), ProfileSelection]);
export type Profile = z.infer<typeof Profile>;

/** What a user (or a webhook, or the schedule) asks for. */
export const RunRequest = z
  .object({
    /** A branch, a tag or a sha; resolved to a full sha when the suite names a `target`. */
    commit: GitRevision,
    /** The branch the run belongs to when `commit` is a tag or a sha. Default: the suite's target branch. */
    branch: GitRevision.optional(),
    benchmarks: z.array(BenchmarkName).max(500).default([]),
    profile: Profile.default(false),
    minion: MinionName.optional(),
    tag: Tag.optional(),
    priority: PriorityClass.default('manual'),
    /** Overrides every selected benchmark's `repeats` (confirmation and bisection probes set it). */
    repeats: Repeats.optional(),
  })
  .strict();
export type RunRequest = z.infer<typeof RunRequest>;
export type RunRequestInput = z.input<typeof RunRequest>;

export const TriggerKind = z.enum(['api', 'github', 'schedule', 'cli']);
export type TriggerKind = z.infer<typeof TriggerKind>;

export const Trigger = z
  .object({
    kind: TriggerKind,
    /** GitHub event, delivery id, ref, repository; the API key's label; the scheduler id. */
    detail: z.record(z.string(), z.string()).default({}),
  })
  .strict();
export type Trigger = z.infer<typeof Trigger>;

/**
 * What a run made by benchrunner itself measures for: one side of a confirmation (the suspect's
 * commit or its baseline's, interleaved A B A B ...) or one probe of a bisection. Such runs are
 * evidence for their regression: they are stored, but never enter their branch's history or its
 * detection.
 */
export const RunProbe = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('confirmation'),
      regression: z.string().min(1).max(100),
      /** `baseline`: the last good commit; `suspect`: the first bad one. */
      side: z.enum(['baseline', 'suspect']),
      /** 0-based position in the interleaved sequence. */
      round: z.number().int().min(0).max(1000),
    })
    .strict(),
  z
    .object({
      kind: z.literal('bisection'),
      bisection: z.string().min(1).max(100),
      regression: z.string().min(1).max(100).optional(),
    })
    .strict(),
]);
export type RunProbe = z.infer<typeof RunProbe>;

/** The payload of a run job: the request with the minion resolved. Re-parsed by the worker. */
export const RunJobData = RunRequest.extend({
  minion: MinionName,
  trigger: Trigger,
  /** Absent on jobs made by the daily scheduler: their template is fixed; the job's timestamp says. */
  requestedAt: z.iso.datetime().optional(),
  /** Unique per enqueue call; tells a deduplicated answer from a fresh one. */
  nonce: z.string().min(1).optional(),
  /**
   * The target commit, resolved when the run was accepted (suites with a `target`). Absent on jobs
   * of the nightly scheduler and the CLI: the worker resolves those when it takes them.
   */
  target: RunTarget.optional(),
  /** Set on confirmation and bisection runs: see {@link RunProbe}. */
  probe: RunProbe.optional(),
}).strict();
export type RunJobData = z.infer<typeof RunJobData>;
