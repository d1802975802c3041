import { envBoolean, LogLevel, parseEnv } from '@benchrunner/core';
import { z } from 'zod';

/** The worker's configuration. Parsed once in main.ts; every bad variable is reported by name. */
export const WorkerEnv = z.object({
  /** Redis holding the queues. */
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Run archives (`runs/<id>/`) and the local minion's work folder live here. */
  DATA_DIR: z.string().min(1).default('.data'),
  /** The benchmark suite (YAML). Re-read at the start of every run. */
  SUITE_FILE: z.string().min(1).default('examples/suite.yaml'),
  /** Ansible inventory of SSH minions. Unset: one local minion, the controller itself. */
  INVENTORY_FILE: z.string().min(1).optional(),
  /** Provision SSH minions on every run, even when the suite's hash is unchanged. */
  PROVISION_ALWAYS: envBoolean.default(false),
  /** Seconds a SIGTERM waits for the active run before aborting and requeueing it. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
  /** Milliseconds a run's lock in Redis lasts without renewal: a killed worker's run is freed this fast. */
  LOCK_DURATION_MS: z.coerce.number().int().min(5_000).max(600_000).default(30_000),
  LOG_LEVEL: LogLevel.default('info'),
});
export type WorkerEnv = z.infer<typeof WorkerEnv>;

export function loadWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return parseEnv(WorkerEnv, env);
}
