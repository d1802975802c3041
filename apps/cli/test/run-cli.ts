import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

/** apps/cli */
export const CLI_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO_ROOT = path.resolve(CLI_DIR, '../..');
export const FIXTURES = path.join(CLI_DIR, 'test/fixtures');
export const RESULT_FIXTURES = path.join(REPO_ROOT, 'packages/results/fixtures');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as `pnpm benchrunner` does: tsx on src/main.ts in apps/cli, with the caller's
 * directory in INIT_CWD (defaults to the repo root).
 */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  // The test run's own DATA_DIR must not leak into the CLI under test.
  const { DATA_DIR: _inherited, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = { ...inherited, INIT_CWD: options.cwd ?? REPO_ROOT, ...options.env };
  return spawnCapture(path.join(CLI_DIR, 'node_modules/.bin/tsx'), ['src/main.ts', ...args], CLI_DIR, env);
}

/** Runs a program and captures its output and exit code; never rejects on a non-zero exit. */
export function spawnCapture(
  file: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(
          new Error(
            `${file} ${args.join(' ')}: ${error.message} (${String(error.code)}, ${error.signal}); stderr: ${stderr}`,
          ),
        );
        return;
      }
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

/** A temporary directory for one test file, removed after it: `const scratch = useScratchDir();` then `scratch.path`. */
export function useScratchDir(): { path: string } {
  const dir = { path: '' };
  beforeAll(async () => {
    dir.path = await mkdtemp(path.join(tmpdir(), 'benchrunner-cli-'));
  });
  afterAll(async () => {
    await rm(dir.path, { recursive: true, force: true });
  });
  return dir;
}
