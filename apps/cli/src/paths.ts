import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from '@benchrunner/core';
import { z } from 'zod';

/** apps/cli, where `pnpm --filter @benchrunner/cli exec` runs the CLI. */
export const CLI_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The repository root. */
export const REPO_ROOT = path.resolve(CLI_DIR, '../..');

/**
 * The directory the user typed the command in. `pnpm benchrunner` runs us from the repo root or,
 * through `pnpm exec` in apps/cli, from there; pnpm keeps the caller's directory in INIT_CWD.
 * INIT_CWD is only trusted in those two directories, because every process started under any
 * pnpm script inherits it.
 */
export function callerCwd(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): string {
  const init = env.INIT_CWD;
  const here = path.resolve(cwd);
  const launchedByPnpm = here === path.resolve(CLI_DIR) || here === REPO_ROOT;
  return init !== undefined && init !== '' && launchedByPnpm ? path.resolve(init) : cwd;
}

const CliEnv = z.object({
  /** The controller's data directory (run archives under runs/<id>/); relative to the repo root. */
  DATA_DIR: z.string().default('.data'),
  /** PostgreSQL of the results history; unset: SQLite in DATA_DIR/results.sqlite. Checked by openResultsDb. */
  DATABASE_URL: z.string().min(1).optional(),
});

/** Where the results database is, as the API and the worker find it. */
export function databaseUrl(env: NodeJS.ProcessEnv): string | undefined {
  return parseEnv(CliEnv, env).DATABASE_URL;
}

/** DATA_DIR as an absolute path: the environment's value or `.data`, relative paths taken from the repo root. */
export function dataDir(env: NodeJS.ProcessEnv): string {
  return path.resolve(REPO_ROOT, parseEnv(CliEnv, env).DATA_DIR);
}
