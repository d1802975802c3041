import { envBoolean, LogLevel, parseEnv } from '@benchrunner/core';
import { DatabaseUrl } from '@benchrunner/results-db';
import { z } from 'zod';

/** Bearer tokens: hono's bearerAuth accepts only these characters, and short keys are guessable. */
const ApiKey = z
  .string()
  .regex(
    /^[A-Za-z0-9._~+/-]{16,512}$/,
    'each key must be 16-512 characters of A-Z a-z 0-9 . _ ~ + / - (hex or base64url)',
  );

/** The API's configuration. Parsed once in main.ts; every bad variable is reported by name. */
export const ApiEnv = z.object({
  /** Redis holding the queues. */
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  /** Address to listen on. Local mode always uses 127.0.0.1. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Comma-separated bearer tokens. Required unless BENCHRUNNER_LOCAL is on. No default. */
  API_KEYS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .pipe(z.array(ApiKey).min(1, 'at least one key'))
    .optional(),
  /** Embedded local mode: bind 127.0.0.1 and, without API_KEYS, generate and print a key. */
  BENCHRUNNER_LOCAL: envBoolean.default(false),
  /** Let GET routes answer without a key (POST/DELETE always need one). */
  PUBLIC_READS: envBoolean.default(false),
  /** Secret of the GitHub webhook. Unset: POST /webhooks/github answers 404. */
  GITHUB_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Run archives live under DATA_DIR/runs. */
  DATA_DIR: z.string().min(1).default('.data'),
  /** PostgreSQL of the results history. Unset: SQLite in DATA_DIR/results.sqlite (shared with the worker). */
  DATABASE_URL: DatabaseUrl.optional(),
  /** The benchmark suite (YAML): benchmark names are checked against it. */
  SUITE_FILE: z.string().min(1).default('examples/suite.yaml'),
  /** Ansible inventory of SSH minions. Unset: one local minion. */
  INVENTORY_FILE: z.string().min(1).optional(),
  /** Register the daily run (one scheduler per minion lane). */
  NIGHTLY_ENABLED: envBoolean.default(true),
  /** Cron pattern of the daily run. */
  NIGHTLY_CRON: z.string().min(9).default('0 3 * * *'),
  /** IANA time zone of NIGHTLY_CRON. */
  NIGHTLY_TZ: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'unknown IANA time zone')
    .default('UTC'),
  /** The commit or ref the daily run benchmarks. */
  NIGHTLY_COMMIT: z.string().min(1).default('main'),
  /** Profile the daily run too. */
  NIGHTLY_PROFILE: envBoolean.default(false),
  /** Largest JSON body accepted (bytes). */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024),
  LOG_LEVEL: LogLevel.default('info'),
});
export type ApiEnv = z.infer<typeof ApiEnv>;

export function loadApiEnv(env: NodeJS.ProcessEnv = process.env): ApiEnv {
  return parseEnv(ApiEnv, env);
}
