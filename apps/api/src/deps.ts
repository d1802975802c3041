import type { Logger, Minion, Suite } from '@benchrunner/core';
import type { TargetResolver } from '@benchrunner/git';
import type { RunStore } from '@benchrunner/queue';
import type { ResultsDb } from '@benchrunner/results-db';
import type { Queue } from 'bullmq';

/** Everything the HTTP app needs, built in main.ts (or a test). */
export interface ApiDeps {
  logger: Logger;
  runs: RunStore;
  /** The current suite (re-read when the file changes). */
  suite: () => Promise<Suite>;
  minions: readonly Minion[];
  apiKeys: readonly string[];
  /** GET routes answer without a key. */
  publicReads: boolean;
  /** Unset: the GitHub webhook is off (404). */
  webhookSecret?: string;
  bodyLimitBytes: number;
  /** Resolves refs in the mirror of the suite's target. Unset: commits are passed on as given. */
  targets?: TargetResolver;
  /** The results history (GET /history, GET /series). */
  results: ResultsDb;
  /** Queues shown in Bull Board: every lane and the publish queue. */
  boardQueues: Queue[];
}
