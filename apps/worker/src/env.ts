import { AlertStatus, envBoolean, GitHubRepository, LogLevel, parseEnv } from '@benchrunner/core';
import { DatabaseUrl } from '@benchrunner/results-db';
import { z } from 'zod';

/** The worker's configuration. Parsed once in main.ts; every bad variable is reported by name. */
export const WorkerEnv = z
  .object({
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
    /** Milliseconds a run's lock in Redis lasts without renewal: a killed worker's run is freed within about twice this (lock expiry, then the stall check). */
    LOCK_DURATION_MS: z.coerce.number().int().min(5_000).max(600_000).default(30_000),
    LOG_LEVEL: LogLevel.default('info'),

    /** Where run archives are published: `car` (a CAR file beside each run, the default), `ipfs`, or `none`. */
    ARTIFACT_STORE: z.enum(['car', 'ipfs', 'none']).default('car'),
    /** Kubo RPC API (or IPFS Cluster's Kubo-compatible proxy), e.g. http://127.0.0.1:5001. Required with ARTIFACT_STORE=ipfs. */
    IPFS_API_URL: z.string().url().optional(),
    /** Basic auth for the IPFS API (sent as a header, never in a URL). */
    IPFS_USERNAME: z.string().min(1).optional(),
    IPFS_PASSWORD: z.string().min(1).optional(),
    /** Bearer token for the IPFS API. */
    IPFS_BEARER_TOKEN: z.string().min(1).optional(),
    /** Public gateway for links to a run's files, e.g. https://ipfs.io. */
    IPFS_GATEWAY_URL: z.string().url().optional(),
    /** InfluxDB base URL. Unset: no metrics are published. */
    INFLUX_URL: z.string().url().optional(),
    /** `v1`: POST /write?db=&rp= (InfluxDB 1.x, also 1.8+/2.x compatibility); `v2`: POST /api/v2/write. */
    INFLUX_API: z.enum(['v1', 'v2']).default('v1'),
    /** v1: database and optional retention policy, user and password. */
    INFLUX_DB: z.string().min(1).default('benchmarks'),
    INFLUX_RP: z.string().min(1).optional(),
    INFLUX_USERNAME: z.string().min(1).optional(),
    INFLUX_PASSWORD: z.string().min(1).optional(),
    /** v2: bucket (1.8: `db/rp`), org and token (1.8: `user:password`). */
    INFLUX_BUCKET: z.string().min(1).optional(),
    INFLUX_ORG: z.string().min(1).optional(),
    INFLUX_TOKEN: z.string().min(1).optional(),
    /** PostgreSQL for the results history, e.g. postgres://user:pw@host:5432/benchrunner. Unset: SQLite in DATA_DIR/results.sqlite. */
    DATABASE_URL: DatabaseUrl.optional(),
    /** Publish jobs running at once. */
    PUBLISH_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
    /** Days to keep a run's folder after every configured sink confirmed it. 0 keeps everything. */
    RETENTION_DAYS: z.coerce.number().min(0).default(0),

    /** Where people reach the API, e.g. https://bench.example.org: links in alerts and Grafana annotations (`/regressions/<id>`). */
    PUBLIC_URL: z.string().url().optional(),
    /** Regression statuses that are sent, comma-separated; a suite's `alerts.on` wins. */
    ALERT_ON: z
      .string()
      .default('confirmed,fixed')
      .transform((s) => s.split(',').map((v) => v.trim()))
      .pipe(z.array(AlertStatus).min(1)),
    /** Generic webhook: JSON events POSTed here, signed with ALERT_WEBHOOK_SECRET. */
    ALERT_WEBHOOK_URL: z.string().url().optional(),
    /** HMAC SHA-256 key of the webhook's X-Benchrunner-Signature-256 header (16+ characters). */
    ALERT_WEBHOOK_SECRET: z.string().min(16).optional(),
    /** Slack incoming webhook URL (a secret: never logged). */
    SLACK_WEBHOOK_URL: z.string().url().optional(),
    /** GitHub token (statuses: write, pull requests / issues: write). Unset: nothing is sent to GitHub. */
    GITHUB_TOKEN: z.string().min(1).optional(),
    /** GitHub's REST API; GitHub Enterprise Server: https://HOST/api/v3. */
    GITHUB_API_URL: z.string().url().default('https://api.github.com'),
    /** `owner/name` for statuses and comments; default: the webhook's repository, else the suite target's URL. */
    GITHUB_REPOSITORY: GitHubRepository.optional(),
  })
  .superRefine((env, ctx) => {
    if (env.ARTIFACT_STORE === 'ipfs' && !env.IPFS_API_URL) {
      ctx.addIssue({ code: 'custom', path: ['IPFS_API_URL'], message: 'required when ARTIFACT_STORE=ipfs' });
    }
    if (env.ALERT_WEBHOOK_URL && !env.ALERT_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['ALERT_WEBHOOK_SECRET'],
        message: 'required with ALERT_WEBHOOK_URL',
      });
    }
    if (env.INFLUX_URL && env.INFLUX_API === 'v2' && !env.INFLUX_BUCKET) {
      ctx.addIssue({ code: 'custom', path: ['INFLUX_BUCKET'], message: 'required when INFLUX_API=v2' });
    }
  });
export type WorkerEnv = z.infer<typeof WorkerEnv>;

export function loadWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return parseEnv(WorkerEnv, env);
}
